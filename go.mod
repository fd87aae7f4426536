module github.com/gocensus/gocensus

go 1.26
