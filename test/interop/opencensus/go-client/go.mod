module ocsvc.test/interop/opencensus/ocagent-client

go 1.21

require (
	contrib.go.opencensus.io/exporter/ocagent v0.7.0
	github.com/census-instrumentation/opencensus-proto v0.2.1
	go.opencensus.io v0.24.0
	google.golang.org/grpc v1.33.2
)

require (
	github.com/golang/groupcache v0.0.0-20200121045136-8c9f03a8e57e // indirect
	github.com/golang/protobuf v1.4.3 // indirect
	github.com/grpc-ecosystem/grpc-gateway v1.14.6 // indirect
	golang.org/x/net v0.0.0-20201110031124-69a78807bb2b // indirect
	golang.org/x/sync v0.0.0-20200317015054-43a5402ce75a // indirect
	golang.org/x/sys v0.0.0-20200930185726-fdedc70b468f // indirect
	golang.org/x/text v0.3.3 // indirect
	google.golang.org/api v0.25.0 // indirect
	google.golang.org/genproto v0.0.0-20200527145253-8367513e4ece // indirect
	google.golang.org/protobuf v1.25.0 // indirect
)
