// A whole trace kept as an exemplar: plain data, small, with no SDK objects. The endpoint's
// collector builds these from its spans (telemetry/trace-record.ts), report.json carries them and
// the analyses read them, so the schema here is the one definition of their shape.
import { z } from 'zod'

const ms = z.number().nonnegative()
export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean()])

export const spanRecordSchema = z.object({
  name: z.string(),
  span_id: z.string(),
  parent_span_id: z.string().nullable(),
  kind: z.enum(['server', 'client', 'internal']),
  start_offset_ms: ms,
  duration_ms: ms,
  status: z.enum(['ok', 'error', 'unset']),
  status_message: z.string().optional(),
  attributes: z.record(z.string(), attributeValueSchema),
  events: z.array(
    z.object({
      name: z.string(),
      offset_ms: z.number(),
      attributes: z.record(z.string(), attributeValueSchema),
    }),
  ),
})

export const traceRecordSchema = z
  .object({
    trace_id: z.string(),
    duration_ms: ms,
    error: z.boolean(),
    error_path: z.string().optional().meta({
      description: 'For a failed trace: the path to its deepest error span, as in analysis.root_causes.',
    }),
    reason: z.string().meta({ description: 'Why it was kept: slowest, error or sample.' }),
    spans: z.array(spanRecordSchema),
  })
  .meta({
    description: 'A whole trace kept as an exemplar (bounded: slowest 5, 3 per error kind, 50 sampled).',
  })

export type AttributeValue = z.infer<typeof attributeValueSchema>
export type SpanRecord = z.infer<typeof spanRecordSchema>
export type TraceRecord = z.infer<typeof traceRecordSchema>
