// `target:` — a team's own service instead of the built-in endpoint (absent: the built-in one),
// and `requests[].http`, the request the load driver sends it. Part of the scenario schema
// (schema.ts imports these), kept in its own file.
import { z } from 'zod'
import { targetPlaceholderNames, unknownPlaceholders } from './placeholders.ts'

const MAX_COMMAND_ARGS = 1000
const MAX_ENV = 1000

// Load never leaves the machine: a running service is reached on loopback only.
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', '[::1]', 'localhost'])
const LOOPBACK_URL_ERROR =
  'expected a loopback URL (http://127.0.0.1:<port>, http://[::1]:<port> or http://localhost:<port>): the harness sends load to this machine only'

const pathString = z
  .string({ error: 'expected a path starting with /, like /healthz' })
  .regex(/^\/[^\s]*$/, { error: 'expected a path starting with /, like /healthz' })

type TargetDurations = { timeout: z.ZodType<number, string>; drain: z.ZodType<number, string> }

function targetFields(durations: TargetDurations, placeholders: readonly string[]) {
  return {
    command: z
      .union([
        z.string().min(1, { error: 'expected a command' }),
        z.array(z.string()).min(1, { error: 'expected a command and its arguments' }).max(MAX_COMMAND_ARGS),
      ])
      .optional()
      .meta({
        description:
          'The service to start: argv (no shell), or a string run by /bin/sh -c. Its output goes to target.log beside the report.',
      }),
    cwd: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Working directory, relative to the scenario file.' }),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }),
        z.string(),
      )
      .default({})
      .refine((env) => Object.keys(env).length <= MAX_ENV, { error: `expected at most ${MAX_ENV} variables` })
      .meta({
        description: `Added to the harness's environment. Placeholders: ${placeholders.map((p) => `{{${p}}}`).join(', ')}.`,
      }),
    ready: z
      .strictObject({ path: pathString.default('/'), timeout: durations.timeout.default(30_000) })
      .prefault({})
      .meta({ description: 'Ready when GET path answers 2xx (polled every 100 ms) within timeout.' }),
    url: z
      .url({ protocol: /^http$/, error: 'expected an http URL like http://127.0.0.1:8080' })
      .refine((url) => LOOPBACK_HOSTNAMES.has(new URL(url).hostname), { error: LOOPBACK_URL_ERROR })
      .optional()
      .meta({ description: 'A service already running there: never started or stopped by the harness.' }),
    drain: durations.drain.default(5000).meta({
      description:
        "After the load, how long to wait for the service's batch exporter to send the last spans (ends early once every completed request has its server span).",
    }),
    otlp_port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(0)
      .meta({ description: 'Port of the OTLP receiver (0: any free port; set one for a `url` service).' }),
  }
}

type TargetInput = {
  command?: string | string[] | undefined
  url?: string | undefined
  env: Record<string, string>
}

// Exactly one of command and url; every placeholder in the command and the environment known.
function checkTarget(value: TargetInput, ctx: z.RefinementCtx, placeholders: readonly string[]): void {
  if ((value.command === undefined) === (value.url === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected either command (start a service) or url (one already running)',
    })
  }
  const commandParts = typeof value.command === 'string' ? [value.command] : (value.command ?? [])
  commandParts.forEach((part, i) => {
    for (const message of unknownPlaceholders(part, placeholders))
      ctx.addIssue({
        code: 'custom',
        path: typeof value.command === 'string' ? ['command'] : ['command', i],
        message,
      })
  })
  for (const [key, text] of Object.entries(value.env)) {
    for (const message of unknownPlaceholders(text, placeholders))
      ctx.addIssue({ code: 'custom', path: ['env', key], message })
  }
}

// The duration type and the dependency names come from schema.ts, passed in to avoid a cycle of
// imports.
export function targetSchema(options: TargetDurations & { dependencyNames: readonly string[] }) {
  const placeholders = targetPlaceholderNames(options.dependencyNames)
  return z
    .strictObject(targetFields(options, placeholders))
    .superRefine((value, ctx) => checkTarget(value, ctx, placeholders))
    .optional()
    .transform((value) =>
      value
        ? {
            command:
              value.command === undefined
                ? undefined
                : typeof value.command === 'string'
                  ? { shell: value.command }
                  : { argv: value.command },
            cwd: value.cwd,
            env: value.env,
            readyPath: value.ready.path,
            readyTimeoutMs: value.ready.timeout,
            url: value.url,
            drainMs: value.drain,
            otlpPort: value.otlp_port,
          }
        : undefined,
    )
}

const BODY_PLACEHOLDERS = ['question']

// Every string in a JSON body, to check its placeholders.
function stringsIn(
  value: unknown,
  path: (string | number)[],
  out: { path: (string | number)[]; text: string }[],
) {
  if (typeof value === 'string') out.push({ path, text: value })
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) stringsIn(item, [...path, i], out)
  } else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) stringsIn(item, [...path, key], out)
  return out
}

export const httpRequest = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    path: pathString,
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected a header name' }),
        z.string(),
      )
      .default({}),
    body: z
      .json()
      .optional()
      .meta({ description: 'JSON (an object or a string); {{question}} is replaced per request.' }),
  })
  .superRefine((value, ctx) => {
    for (const { path, text } of stringsIn(value.body, ['body'], [])) {
      for (const message of unknownPlaceholders(text, BODY_PLACEHOLDERS))
        ctx.addIssue({ code: 'custom', path, message })
    }
    for (const [key, text] of Object.entries(value.headers)) {
      for (const message of unknownPlaceholders(text, BODY_PLACEHOLDERS))
        ctx.addIssue({ code: 'custom', path: ['headers', key], message })
    }
  })
  .meta({
    description: 'The request sent to a target service (target:); a traceparent header is added to each.',
  })

export type TargetConfig = NonNullable<z.output<ReturnType<typeof targetSchema>>>
export type HttpRequestConfig = z.output<typeof httpRequest>
