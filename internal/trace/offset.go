package trace

import "time"

// Clocks are the four instants of one exchange NTP estimates a clock
// offset from: the client's (ClientSend, ClientReceive) on its clock, the
// server's (ServerReceive, ServerSend) on its own.
type Clocks struct {
	ClientSend, ServerReceive, ServerSend, ClientReceive time.Time
}

// Offset is how far the server's clock is ahead of the client's, as NTP
// estimates it, ((t1 - t0) + (t2 - t3)) / 2, and the round trip's time on
// the network, (t3 - t0) - (t2 - t1), never below zero. The estimate
// assumes both ways take as long; whatever the asymmetry, the true offset
// is within ± rtt/2 of it.
func (c Clocks) Offset() (offset, rtt time.Duration) {
	offset = (c.ServerReceive.Sub(c.ClientSend) + c.ServerSend.Sub(c.ClientReceive)) / 2
	rtt = max(c.ClientReceive.Sub(c.ClientSend)-c.ServerSend.Sub(c.ServerReceive), 0)
	return offset, rtt
}

// OnClient is the server's instant t on the client's clock, given the
// offset, kept within [from, to]: the client's span, which the server's
// cannot leave, whatever the estimate says.
func OnClient(t time.Time, offset time.Duration, from, to time.Time) time.Time {
	u := t.Add(-offset)
	if u.Before(from) {
		return from
	}
	if u.After(to) {
		return to
	}
	return u
}
