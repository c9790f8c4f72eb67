module github.com/goweakref/weakref

go 1.24
