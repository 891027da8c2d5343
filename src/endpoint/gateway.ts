// The API gateway in front of the RAG work: `authentication` introspects the key with the auth
// service (a dependency, so it has its own latency and failures), `rate_limiting` applies a
// per-tenant token bucket in process.
import type { Context, Tracer } from '@opentelemetry/api'
import type { IntrospectResponse } from '../contract/dependency-api.ts'
import { SPAN } from '../contract/span-names.ts'
import { TokenBucket } from '../token-bucket.ts'
import type { CallContext, DependencyCall } from './dependency-client.ts'
import { callDependency } from './dependency-client.ts'
import { spanNow } from './span-time.ts'
import { tracedStage } from './traced-stage.ts'

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 403; message: string }
export type RateOutcome = { ok: true } | { ok: false; retryAfterMs: number }

export class Gateway {
  readonly #buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly tracer: Tracer,
    tenants: Record<string, { rate_limit?: { ratePerSec: number; burst: number } | undefined }>,
  ) {
    for (const [tenant, settings] of Object.entries(tenants)) {
      if (settings.rate_limit) this.#buckets.set(tenant, new TokenBucket(settings.rate_limit))
    }
  }

  authenticate(
    parent: Context,
    apiKey: string,
    tenantId: string,
    call: (ctx: Context) => { context: CallContext; request: DependencyCall },
  ): Promise<AuthOutcome> {
    return tracedStage(
      this.tracer,
      SPAN.authentication,
      parent,
      { tenant_id: tenantId },
      async (span, ctx) => {
        const { context, request } = call(ctx)
        const result = await callDependency<IntrospectResponse>(context, {
          ...request,
          body: { token: apiKey },
        })
        span.setAttribute('auth.active', result.active)
        if (!result.active)
          return { ok: false, status: 401, message: 'Failed to authenticate: the API key is not valid.' }
        // A valid key for another tenant gets 403 and never that tenant's data.
        if (result.tenant_id !== tenantId) {
          return {
            ok: false,
            status: 403,
            message: `Failed to authorize: this API key may not act for tenant "${tenantId}".`,
          }
        }
        return { ok: true }
      },
    )
  }

  rateLimit(parent: Context, tenantId: string): RateOutcome {
    const span = this.tracer.startSpan(
      SPAN.rateLimiting,
      { attributes: { tenant_id: tenantId }, startTime: spanNow() },
      parent,
    )
    const bucket = this.#buckets.get(tenantId)
    const outcome = bucket ? bucket.tryTake() : ({ ok: true } as const)
    span.setAttribute('rate_limited', !outcome.ok)
    span.end(spanNow())
    return outcome.ok ? { ok: true } : { ok: false, retryAfterMs: outcome.retryAfterMs }
  }
}
