module ocsvc.test/interop/jaeger/jaeger-grpc-client

go 1.23.6

require (
	github.com/jaegertracing/jaeger-idl v0.6.0
	google.golang.org/grpc v1.72.0
)

require (
	github.com/gogo/googleapis v1.4.1 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	golang.org/x/net v0.35.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
	golang.org/x/text v0.22.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250218202821-56aae31c358a // indirect
	google.golang.org/protobuf v1.36.6 // indirect
)
