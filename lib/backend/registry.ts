// Backend types by the name used in configuration. Adding a backend is one
// entry here plus its options in BackendOptions; there is no plugin framework.
import type { Backend, BackendDeps, BackendFactory } from './backend.js';
import { DebugBackend, type DebugOptions } from './debug.js';
import { FileBackend, type FileOptions } from './file.js';
import { JaegerBackend, type JaegerOptions } from './jaeger.js';
import { OpenCensusBackend, type OpenCensusOptions } from './opencensus.js';
import { OtlpGrpcBackend, type OtlpGrpcOptions } from './otlp-grpc.js';
import { OtlpHttpBackend, type OtlpHttpOptions } from './otlp-http.js';
import { ZipkinBackend, type ZipkinOptions } from './zipkin.js';

export interface BackendOptions {
  otlp: OtlpGrpcOptions;
  otlphttp: OtlpHttpOptions;
  opencensus: OpenCensusOptions;
  jaeger: JaegerOptions;
  file: FileOptions;
  zipkin: ZipkinOptions;
  /** log defaults to deps.log. */
  debug: Omit<DebugOptions, 'log'> & { log?: DebugOptions['log'] };
}

export type BackendType = keyof BackendOptions;

export const backendFactories: { readonly [K in BackendType]: BackendFactory<BackendOptions[K]> } = Object.freeze({
  otlp: (options, deps) => new OtlpGrpcBackend({ onTlsError: deps.onTlsError, ...options }),
  otlphttp: (options, deps) => new OtlpHttpBackend({ onTlsError: deps.onTlsError, ...options }),
  opencensus: (options, deps) => new OpenCensusBackend({ onTlsError: deps.onTlsError, ...options }),
  jaeger: (options, deps) => new JaegerBackend({ onTlsError: deps.onTlsError, ...options }),
  file: (options) => new FileBackend(options),
  zipkin: (options, deps) => new ZipkinBackend({ onTlsError: deps.onTlsError, ...options }),
  debug: (options, deps) => new DebugBackend({ ...options, log: options.log ?? deps.log }),
});

export const backendTypes = Object.keys(backendFactories) as BackendType[];

export function isBackendType(name: string): name is BackendType {
  return Object.hasOwn(backendFactories, name);
}

export function createBackend<K extends BackendType>(type: K, options: BackendOptions[K], deps: BackendDeps): Backend {
  const factory: BackendFactory<BackendOptions[K]> = backendFactories[type];
  return factory(options, deps);
}
