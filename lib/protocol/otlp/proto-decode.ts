// The one place protobufjs parses bytes: any failure of the wire format becomes
// an InvalidInputError, so that a malformed request is the client's error and
// never an exception of another kind.
import protobuf from 'protobufjs';
import { errorMessage, InvalidInputError } from '../../errors.js';

/** `label` names the protocol in the error message ("invalid OTLP protobuf: ..."). */
export function decodeMessage(type: protobuf.Type, buf: Uint8Array, label = 'OTLP'): unknown {
  // A Buffer view (no copy) makes protobufjs use its faster BufferReader.
  const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    return type.decode(view);
  } catch (err) {
    throw new InvalidInputError(`invalid ${label} protobuf: ${errorMessage(err)}`, { cause: err });
  }
}
