package main

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The greeter service, "helloworld.Greeter", with a unary and a
// bidirectional streaming method over google.protobuf.StringValue.
const (
	methodSayHello       = "/helloworld.Greeter/SayHello"
	methodSayHelloStream = "/helloworld.Greeter/SayHelloStream"
)

// greeterServer is what a generated service interface would be.
type greeterServer interface {
	SayHello(ctx context.Context, name *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	SayHelloStream(stream grpc.ServerStream) error
}

type greeter struct{}

func (greeter) SayHello(_ context.Context, name *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	return wrapperspb.String("Hello, " + name.GetValue()), nil
}

// SayHelloStream greets every name it receives.
func (greeter) SayHelloStream(stream grpc.ServerStream) error {
	for {
		name := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(name); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if err := stream.SendMsg(wrapperspb.String("Hello, " + name.GetValue())); err != nil {
			return err
		}
	}
}

var greeterDesc = grpc.ServiceDesc{
	ServiceName: "helloworld.Greeter",
	HandlerType: (*greeterServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "SayHello",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(greeterServer).SayHello(ctx, req.(*wrapperspb.StringValue))
			}
			if interceptor == nil {
				return h(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: methodSayHello}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "SayHelloStream",
		Handler:       func(srv any, stream grpc.ServerStream) error { return srv.(greeterServer).SayHelloStream(stream) },
		ServerStreams: true,
		ClientStreams: true,
	}},
	Metadata: "helloworld.proto",
}
