// The request mix: which kind of request comes next and with which question. Seeded, so the
// same scenario seed sends the same sequence of bodies (arrival timing aside).

import { createRng, deriveSeed, type Rng } from '../rng.ts'
import type { RequestKind } from '../scenario/schema.ts'
import { type HttpMethod, httpRequestTemplate } from './http-request.ts'

export type PlannedRequest = {
  kindIndex: number
  tenant: string
  apiKey: string
  // JSON: { tenant_id, question, k?, rerank?, stream? }; for a target service, its requests[].http body
  body: string
  method: HttpMethod
  path: string | undefined // undefined: the driver's URL path (the built-in endpoint's /ask)
  headers: Record<string, string>
  // Asks for a streamed (SSE) answer, which the drivers time token by token.
  stream: boolean
}

export type RequestMix = { next(): PlannedRequest }

export function createRequestMix(kinds: RequestKind[], seed: number): RequestMix {
  if (kinds.length === 0) throw new Error('Failed to create the request mix: no kinds of request. Add one.')
  // Its own stream of the scenario seed: the mocks' draws do not shift the mix, nor the reverse.
  const rng = createRng(deriveSeed(seed, 'request-mix'))
  const cumulativeWeights = cumulative(kinds.map((kind) => kind.weight))
  const totalWeight = cumulativeWeights[cumulativeWeights.length - 1]!
  const questionSources = kinds.map((kind) => createQuestionSource(kind, rng))
  const uniqueCounter = { value: 0 }
  const templates = kinds.map((kind) => (kind.http ? httpRequestTemplate(kind.http) : undefined))

  return {
    next(): PlannedRequest {
      const kindIndex = searchCdf(cumulativeWeights, rng.next() * totalWeight)
      const kind = kinds[kindIndex]!
      const question = questionSources[kindIndex]!(uniqueCounter)
      const template = templates[kindIndex]
      if (template)
        return {
          kindIndex,
          tenant: kind.tenant,
          apiKey: kind.apiKey,
          stream: kind.stream === true,
          ...template(question),
        }
      const body: Record<string, unknown> = { tenant_id: kind.tenant, question }
      if (kind.k !== undefined) body.k = kind.k
      if (kind.rerank !== undefined) body.rerank = kind.rerank
      if (kind.stream) body.stream = true
      return {
        kindIndex,
        tenant: kind.tenant,
        apiKey: kind.apiKey,
        body: JSON.stringify(body),
        method: 'POST',
        path: undefined,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${kind.apiKey}` },
        stream: kind.stream === true,
      }
    },
  }
}

type QuestionSource = (uniqueCounter: { value: number }) => string

function createQuestionSource(kind: RequestKind, rng: Rng): QuestionSource {
  if (kind.question !== undefined || kind.questions === undefined) {
    const fixed = kind.question ?? ''
    return () => fixed
  }
  const { pool, distribution, zipfExponent } = kind.questions
  const tenant = kind.tenant
  switch (distribution) {
    case 'uniform':
      return () => poolQuestion(tenant, 1 + Math.floor(rng.next() * pool))
    case 'zipf': {
      const cdf = zipfCdf(pool, zipfExponent)
      return () => poolQuestion(tenant, 1 + searchCdf(cdf, rng.next()))
    }
    case 'unique':
      // One counter for the whole mix and a text no pool can produce: a unique question never
      // repeats any question sent in the run, so it always misses the embedding cache.
      return (counter) => {
        counter.value += 1
        return `Question ${counter.value} (unique) about ${tenant}'s documents: how does feature ${counter.value} work?`
      }
  }
}

export function poolQuestion(tenant: string, rank: number): string {
  return `Question ${rank} about ${tenant}'s documents: how does feature ${rank} work?`
}

// Zipf over ranks 1..n: P(k) = k^-s / H(n, s). The CDF is computed once and normalised so its
// last entry is exactly 1; a draw is inverse-transform sampling, a binary search for the first
// entry above a uniform u (Devroye 1986, Non-Uniform Random Variate Generation, §III.2):
// O(log n) per draw, exact for any exponent, unlike rejection samplers that need s > 1.
export function zipfCdf(n: number, exponent: number): Float64Array {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 1; k <= n; k++) {
    sum += k ** -exponent
    cdf[k - 1] = sum
  }
  for (let i = 0; i < n; i++) cdf[i] = cdf[i]! / sum
  cdf[n - 1] = 1
  return cdf
}

export function zipfProbabilities(n: number, exponent: number): Float64Array {
  const cdf = zipfCdf(n, exponent)
  return cdf.map((value, i) => value - (i === 0 ? 0 : cdf[i - 1]!))
}

function cumulative(values: number[]): Float64Array {
  const out = new Float64Array(values.length)
  let sum = 0
  values.forEach((value, i) => {
    sum += value
    out[i] = sum
  })
  return out
}

// Index of the first entry strictly greater than `target` (the last index if none is, which
// only floating-point rounding at the top can cause).
function searchCdf(cdf: Float64Array, target: number): number {
  let low = 0
  let high = cdf.length - 1
  while (low < high) {
    const mid = (low + high) >>> 1
    if (cdf[mid]! > target) high = mid
    else low = mid + 1
  }
  return low
}
