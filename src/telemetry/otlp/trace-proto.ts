// The OTLP trace messages the receiver decodes: the official definitions' subset a trace export
// carries, read by protobufjs. The .proto files are vendored upstream text, kept apart from our code
// in vendor/opentelemetry-proto at the repository root (opentelemetry-proto v1.11.0, commit ac2c4b5,
// and google.rpc.Status). Unknown fields (e.g. Resource.entity_refs) are skipped by protobuf's wire
// format, so a newer exporter still decodes. @opentelemetry/otlp-transformer 0.2xx ships an encoder
// but no public decoder, hence protobufjs with the official definitions rather than a hand-written
// wire decoder.
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'

// Every type is named in full, so the files are parsed into one root without resolving imports.
const PROTO_FILES = ['common.proto', 'resource.proto', 'trace.proto', 'trace_service.proto', 'status.proto']

const PROTO_DIR = new URL('../../../vendor/opentelemetry-proto/', import.meta.url)

const root = new protobuf.Root()
for (const file of PROTO_FILES)
  protobuf.parse(readFileSync(new URL(file, PROTO_DIR), 'utf8'), root, { keepCase: false })
root.resolveAll()

export const ExportTraceServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
)
export const ExportTraceServiceResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
)
export const RpcStatus = root.lookupType('google.rpc.Status')

// Decoded to plain objects in OTLP/JSON's own shape (lowerCamelCase names, 64-bit integers as
// decimal strings, enums as numbers), so one normaliser reads both encodings; only ids differ
// (bytes here, hex in JSON).
export function decodeExportRequest(body: Uint8Array): unknown {
  const message = ExportTraceServiceRequest.decode(body)
  return ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, arrays: true })
}
