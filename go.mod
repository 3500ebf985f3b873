module github.com/roundtrip/roundtrip

go 1.26
