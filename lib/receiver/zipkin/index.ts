// The Zipkin receiver (transport only; the codecs and translations live in
// lib/protocol/zipkin).
export { ZipkinReceiver, type ZipkinReceiverOptions } from './receiver.js';
