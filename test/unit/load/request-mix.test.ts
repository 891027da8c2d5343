import { describe, expect, it } from 'vitest'
import { createRequestMix, poolQuestion, zipfProbabilities } from '../../../src/load/request-mix.ts'
import type { RequestKind } from '../../../src/scenario/schema.ts'

function kind(overrides: Partial<RequestKind>): RequestKind {
  return {
    tenant: 'acme',
    apiKey: 'key-acme',
    weight: 1,
    question: undefined,
    questions: undefined,
    k: undefined,
    rerank: undefined,
    ...overrides,
  }
}

function draw(kinds: RequestKind[], seed: number, n: number) {
  const mix = createRequestMix(kinds, seed)
  return Array.from({ length: n }, () => mix.next())
}

function rankOf(question: string): number {
  const match = /^Question (\d+) about/.exec(question)
  if (!match) throw new Error(`not a pool question: ${question}`)
  return Number(match[1])
}

// E[distinct] after n draws from p is Σ 1 − (1 − p_k)^n, so the expected repeat ratio is
// 1 − E[distinct]/n.
function expectedRepeatRatio(probabilities: ArrayLike<number>, n: number): number {
  let distinct = 0
  for (let i = 0; i < probabilities.length; i++) distinct += 1 - (1 - probabilities[i]!) ** n
  return 1 - distinct / n
}

function repeatRatio(questions: string[]): number {
  return 1 - new Set(questions).size / questions.length
}

describe('createRequestMix', () => {
  it('realises the weights within binomial tolerance', () => {
    const weights = [1, 2, 7]
    const kinds = weights.map((weight, i) =>
      kind({ tenant: `t${i}`, apiKey: `k${i}`, weight, question: 'q?' }),
    )
    const n = 20_000
    const counts = [0, 0, 0]
    for (const planned of draw(kinds, 42, n)) counts[planned.kindIndex]! += 1
    weights.forEach((weight, i) => {
      const p = weight / 10
      const sd = Math.sqrt(n * p * (1 - p))
      expect(Math.abs(counts[i]! - n * p)).toBeLessThan(4 * sd)
    })
  })

  it('sends the key, tenant and a JSON body with k and rerank only when given', () => {
    const kinds = [
      kind({ question: 'What is our refund policy?', k: 5, rerank: false }),
      kind({ tenant: 'globex', apiKey: 'key-globex', question: 'Hours?' }),
    ]
    const seen = new Map<number, ReturnType<ReturnType<typeof createRequestMix>['next']>>()
    for (const planned of draw(kinds, 1, 50)) seen.set(planned.kindIndex, planned)
    expect(JSON.parse(seen.get(0)!.body)).toEqual({
      tenant_id: 'acme',
      question: 'What is our refund policy?',
      k: 5,
      rerank: false,
    })
    expect(seen.get(0)!.apiKey).toBe('key-acme')
    expect(JSON.parse(seen.get(1)!.body)).toEqual({ tenant_id: 'globex', question: 'Hours?' })
    expect(seen.get(1)).toMatchObject({ tenant: 'globex', apiKey: 'key-globex' })
  })

  it('draws a Zipf pool with frequency decreasing by rank and the expected repeat ratio', () => {
    const pool = 1000
    const n = 20_000
    const kinds = [kind({ questions: { pool, distribution: 'zipf', zipfExponent: 1 } })]
    const questions = draw(kinds, 3, n).map((p) => JSON.parse(p.body).question as string)
    expect(questions[0]).toBe(poolQuestion('acme', rankOf(questions[0]!)))
    const counts = new Array<number>(pool + 1).fill(0)
    for (const question of questions) counts[rankOf(question)]! += 1
    // Zipf with s = 1: P(k) = 1 / (k · H₁₀₀₀), H₁₀₀₀ = 7.485470860550345 (exact sum of 1/k in
    // rational arithmetic, then rounded; ≈ ln 1000 + γ + 1/2000), not the sampler's own CDF.
    const H_1000 = 7.485470860550345
    const probabilities = Float64Array.from({ length: pool }, (_, i) => 1 / ((i + 1) * H_1000))
    for (let rank = 1; rank <= 5; rank++) {
      expect(counts[rank]!).toBeGreaterThan(counts[rank + 1]!)
      const p = probabilities[rank - 1]!
      expect(Math.abs(counts[rank]! - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)))
    }
    // Far fewer of the tail than of the head.
    const head = counts.slice(1, 11).reduce((a, b) => a + b, 0)
    const tail = counts.slice(pool - 9).reduce((a, b) => a + b, 0)
    expect(head).toBeGreaterThan(50 * tail)

    const sample = questions.slice(0, 2000)
    expect(Math.abs(repeatRatio(sample) - expectedRepeatRatio(probabilities, sample.length))).toBeLessThan(
      0.03,
    )
  })

  it('gives Zipf probabilities k^-s / H(n, s): hand-worked for small pools', () => {
    // s = 1, n = 4: H = 25/12, so 12/25, 6/25, 4/25, 3/25.
    const four = [...zipfProbabilities(4, 1)]
    four.forEach((p, i) => {
      expect(p).toBeCloseTo([12 / 25, 6 / 25, 4 / 25, 3 / 25][i]!, 12)
    })
    expect(four).toHaveLength(4)
    // s = 2, n = 3: 1, 1/4, 1/9 over 49/36, so 36/49, 9/49, 4/49.
    const three = [...zipfProbabilities(3, 2)]
    three.forEach((p, i) => {
      expect(p).toBeCloseTo([36 / 49, 9 / 49, 4 / 49][i]!, 12)
    })
    expect(three).toHaveLength(3)
  })

  it('draws a uniform pool with the expected repeat ratio', () => {
    const pool = 500
    const kinds = [kind({ questions: { pool, distribution: 'uniform', zipfExponent: 1 } })]
    const questions = draw(kinds, 5, 1000).map((p) => JSON.parse(p.body).question as string)
    for (const question of questions) {
      expect(rankOf(question)).toBeGreaterThanOrEqual(1)
      expect(rankOf(question)).toBeLessThanOrEqual(pool)
    }
    const uniform = new Float64Array(pool).fill(1 / pool)
    expect(Math.abs(repeatRatio(questions) - expectedRepeatRatio(uniform, questions.length))).toBeLessThan(
      0.03,
    )
  })

  it('never repeats a unique question, across kinds of the same tenant and against pool questions', () => {
    const kinds = [
      kind({ questions: { pool: 10, distribution: 'unique', zipfExponent: 1 } }),
      kind({ questions: { pool: 10, distribution: 'unique', zipfExponent: 1 } }),
      kind({ questions: { pool: 10, distribution: 'zipf', zipfExponent: 1 } }),
    ]
    const drawn = draw(kinds, 9, 5000)
    const unique = drawn.filter((p) => p.kindIndex < 2).map((p) => JSON.parse(p.body).question as string)
    expect(unique.length).toBeGreaterThan(3000)
    expect(new Set(unique).size).toBe(unique.length)
    const pooled = new Set(
      drawn.filter((p) => p.kindIndex === 2).map((p) => JSON.parse(p.body).question as string),
    )
    for (const question of unique) expect(pooled.has(question)).toBe(false)
  })

  it('is reproducible from its seed', () => {
    const kinds = [
      kind({ weight: 2, questions: { pool: 100, distribution: 'zipf', zipfExponent: 1.2 } }),
      kind({ tenant: 'globex', questions: { pool: 100, distribution: 'uniform', zipfExponent: 1 } }),
    ]
    const bodies = (seed: number) => draw(kinds, seed, 300).map((p) => p.body)
    expect(bodies(11)).toEqual(bodies(11))
    expect(bodies(11)).not.toEqual(bodies(12))
  })
})
