// The OpenCensus receiver (transport only; the codecs and translations live
// in lib/protocol/opencensus).
export { OpenCensusReceiver, type OpenCensusReceiverOptions } from './receiver.js';
export { NODE_RULE } from './export.js';
export { ACK_METADATA } from './export-stream.js';
export { DEFAULT_TRACE_CONFIG, type TraceConfigSettings } from './trace-config.js';
