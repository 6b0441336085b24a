// A real @grpc/grpc-js client for receiver tests, with hand-made method
// definitions so that tests send exactly the bytes they built.
import type { TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';

export interface GrpcResult {
  response?: Buffer;
  error?: grpc.ServiceError;
}

export function grpcClient(t: TestContext, port: number, options: grpc.ChannelOptions = {}): grpc.Client {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  t.after(() => client.close());
  return client;
}

/** One unary call with a deadline, so that a hung server fails the test instead of hanging it. */
export function unaryCall(client: grpc.Client, path: string, body: Uint8Array, deadlineMs = 10_000): Promise<GrpcResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, response) => resolve(error ? { error } : { response: response ?? Buffer.alloc(0) }),
    );
  });
}
