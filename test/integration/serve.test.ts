// `serve --console-spans` as a person uses it: start it, paste the printed curl (here: the same
// request through fetch), read the trace tree it prints, stop it with Ctrl+C.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CLI = join(import.meta.dirname, '../../src/cli.ts')

describe('serve --console-spans', () => {
  it('prints a working curl, answers it, prints its span tree and stops on Ctrl+C', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'serve', '--port', '0', '--console-spans'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const waitFor = async (pattern: RegExp) => {
        const deadline = Date.now() + 30_000
        while (!pattern.test(stdout)) {
          if (Date.now() > deadline || child.exitCode !== null)
            throw new Error(`no ${pattern} in: ${stdout}${stderr}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        return pattern.exec(stdout)!
      }
      const curl = await waitFor(
        /curl -s (http:\/\/127\.0\.0\.1:\d+\/ask) -H 'authorization: ([^']+)' -H 'content-type: application\/json' -d '([^']+)'\n/,
      )
      expect(stdout).toMatch(/Endpoint for scenario "serve-default" listening on http:\/\/127\.0\.0\.1:\d+/)
      const [, url, authorization, body] = curl
      const response = await fetch(url!, {
        method: 'POST',
        headers: { authorization: authorization!, 'content-type': 'application/json' },
        body: body!,
      })
      expect(response.status).toBe(200)
      const { trace_id } = (await response.json()) as { trace_id: string }
      await waitFor(new RegExp(`trace ${trace_id} `))
      const tree = stdout.slice(stdout.indexOf(`trace ${trace_id}`))
      // The seed's tree, indented under the server span.
      expect(tree).toMatch(/^└─ POST \/ask {2}[\d.]+ ms {2}\[200\]$/m)
      for (const stage of [
        'authentication',
        'rate_limiting',
        'rag_pipeline',
        'embedding_generation',
        'vector_search',
        'rerank',
        'llm_generation',
      ]) {
        expect(tree).toMatch(new RegExp(`^ {3,}└─ ${stage} `, 'm'))
      }
      expect(tree).toMatch(/^ {6,}└─ POST \/v1\/chat\/completions {2}[\d.]+ ms {2}\[200\]$/m)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited, stderr).toBe(0)
  })
})
