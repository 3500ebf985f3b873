// The lesson's Express server, verbatim but for the port: roundtrip's
// reference peer for `greet` tests and the benchmark suite.
const express = require("express");
const app = express();
// Define a route (server-side)
app.get("/api/greeting", (req, res) => {
  const name = req.query.name || "World";
  res.json({ message: `Hello, ${name}!` });
});
// The challenge's routes and the echo the benchmark suite loads.
app.get("/hello", (req, res) => res.type("text/plain").send("Hello, World!"));
app.post("/echo", express.json({ limit: "1mb" }), (req, res) => {
  res.json({ message: "Echo received", request: { method: req.method, path: req.path, body: req.body } });
});
const port = Number(process.env.PORT || 3000);
app.listen(port, "127.0.0.1", () => {
  console.log(`Server listening on port ${port}`);
});
