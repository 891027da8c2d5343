// The machine and harness a run came from (report.environment), and its fingerprint. Latency
// measured on one CPU model, core count or Node major is not comparable with latency measured on
// another, and a new harness version may measure differently, so history is only compared within
// one fingerprint; anything else is flagged, never mixed. Derived from report.environment, so
// every stored report carries its own fingerprint.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import os from 'node:os'

export type Fingerprint = {
  cpuModel: string
  cpus: number
  nodeMajor: number | null
  harnessVersion: string
}

export type EnvironmentLike = {
  node: string
  cpus: number
  cpu_model?: string
  harness_version?: string
}

const require = createRequire(import.meta.url)
let version: string | undefined

// The `version` of package.json: the harness that produced a report.
export function harnessVersion(): string {
  version ??= (require('../package.json') as { version: string }).version
  return version
}

// The git commit of the working directory, or null outside a checkout (or without git).
function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return null
  }
}

export function currentEnvironment() {
  const cpus = os.cpus()
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    harness_version: harnessVersion(),
    git_sha: gitSha(),
  }
}

export function fingerprintOf(environment: EnvironmentLike): Fingerprint {
  const major = /^v?(\d+)\./.exec(environment.node)
  return {
    cpuModel: (environment.cpu_model ?? 'unknown').replace(/\s+/g, ' ').trim() || 'unknown',
    cpus: environment.cpus,
    nodeMajor: major ? Number(major[1]) : null,
    // Reports written before the field existed: they only match each other.
    harnessVersion: environment.harness_version ?? 'unknown',
  }
}

export function fingerprintKey(fingerprint: Fingerprint): string {
  return JSON.stringify([
    fingerprint.cpuModel,
    fingerprint.cpus,
    fingerprint.nodeMajor,
    fingerprint.harnessVersion,
  ])
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return (
    a.cpuModel === b.cpuModel &&
    a.cpus === b.cpus &&
    a.nodeMajor === b.nodeMajor &&
    a.harnessVersion === b.harnessVersion
  )
}

// Each difference in words, "baseline → current": empty when the fingerprints match.
export function fingerprintDifferences(baseline: Fingerprint, current: Fingerprint): string[] {
  const differences: string[] = []
  if (baseline.cpuModel !== current.cpuModel)
    differences.push(`CPU model ${baseline.cpuModel} → ${current.cpuModel}`)
  if (baseline.cpus !== current.cpus) differences.push(`cores ${baseline.cpus} → ${current.cpus}`)
  if (baseline.nodeMajor !== current.nodeMajor)
    differences.push(`Node ${baseline.nodeMajor ?? '?'} → ${current.nodeMajor ?? '?'}`)
  if (baseline.harnessVersion !== current.harnessVersion)
    differences.push(`harness ${baseline.harnessVersion} → ${current.harnessVersion}`)
  return differences
}

export function describeFingerprint(fingerprint: Fingerprint): string {
  return `${fingerprint.cpuModel} × ${fingerprint.cpus} cores, Node ${fingerprint.nodeMajor ?? '?'}, harness ${fingerprint.harnessVersion}`
}
