// Seeded pseudo-random numbers: every random choice in a run (mock latencies, failures, token
// counts) comes from here, so one scenario seed reproduces a run's draws exactly.
//
// Generator: sfc32, Chris Doty-Humphrey's "Small Fast Counting" generator from PractRand
// (128-bit state, passes PractRand to at least 2^40 bytes, 32-bit output; JavaScript form as in
// bryc's "Pseudorandom number generators" notes, github.com/bryc/code/blob/master/jshash/PRNGs.md).
// Its four state words come from splitmix32 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014; 32-bit finaliser constants from Chris Wellons'
// hash-prospector), which spreads even neighbouring seeds (1, 2, 3) over unrelated states.

export type Rng = {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number
  /** Uniform integer in [minIncl, maxIncl]. */
  int(minIncl: number, maxIncl: number): number
}

const TWO_POW_32 = 4294967296

// splitmix32's output function: a bijective 32-bit mixer.
function mix32(value: number): number {
  let t = (value + 0x9e3779b9) | 0
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad)
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97)
  return (t ^ (t >>> 15)) >>> 0
}

// A seed may be any safe integer (the scenario's `seed`); both 32-bit halves count.
function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Failed to seed the random generator: expected a safe integer, got ${seed}.`)
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0]
}

export function createRng(seed: number): Rng {
  const [low, high] = seedWords(seed)
  // splitmix32 as a sequence: state advances by the golden-ratio increment, output is mixed.
  let splitState = low ^ mix32(high)
  const split = (): number => {
    splitState = (splitState + 0x9e3779b9) | 0
    return mix32(splitState)
  }
  let a = split() | 0
  let b = split() | 0
  let c = split() | 0
  let d = split() | 0

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // bryc's advice for sfc32: discard the first outputs so the counter word mixes into the state.
  for (let i = 0; i < 15; i++) nextUint32()

  const next = (): number => nextUint32() / TWO_POW_32

  // Marsaglia's polar method (Marsaglia and Bray, 1964): two normals per accepted pair and no
  // trigonometry; the second is kept for the next call.
  let spare: number | undefined
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare
      spare = undefined
      return value
    }
    let u: number
    let v: number
    let s: number
    do {
      u = 2 * next() - 1
      v = 2 * next() - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const factor = Math.sqrt((-2 * Math.log(s)) / s)
    spare = v * factor
    return u * factor
  }

  // Multiply-and-floor: the bias is at most (range / 2^32), negligible for the ranges used here
  // (token counts, document indices).
  const int = (minIncl: number, maxIncl: number): number => {
    if (!Number.isInteger(minIncl) || !Number.isInteger(maxIncl) || maxIncl < minIncl) {
      throw new RangeError(
        `Failed to draw a random integer: expected integer bounds with min ≤ max, got [${minIncl}, ${maxIncl}].`,
      )
    }
    return minIncl + Math.floor(next() * (maxIncl - minIncl + 1))
  }

  return { next, normal, int }
}

// FNV-1a over UTF-16 code units (Fowler, Noll and Vo): a stable 32-bit hash of a label.
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  }
  return hash >>> 0
}

// One independent stream per consumer (`deriveSeed(seed, 'llm')`): adding draws to one
// dependency never shifts another's sequence. Pure function of its inputs, so stable across runs.
export function deriveSeed(seed: number, label: string): number {
  const [low, high] = seedWords(seed)
  return mix32(mix32(low ^ mix32(high)) ^ fnv1a32(label))
}
