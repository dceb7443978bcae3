/** Runs the smoke command in a shell, streaming its output with secrets replaced by ***. */
import { spawn } from 'node:child_process'
import type { CommandResult, CommandRunner } from '../rotation/ports.js'

/** After a timeout the command gets SIGTERM, then SIGKILL this much later. */
const KILL_GRACE_MS = 2_000

/** Replaces each secret in a line; values shorter than 4 characters are left alone (too common). */
export function redactLine(line: string, secrets: readonly string[]): string {
  let out = line
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***')
  return out
}

export function createCommandRunner(write: (line: string) => void): CommandRunner {
  return {
    run(command, env, timeoutMs, redact): Promise<CommandResult> {
      const windows = process.platform === 'win32'
      const [shell, args] = windows
        ? ['pwsh', ['-NoProfile', '-NonInteractive', '-Command', command]]
        : ['bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', command]]
      const child = spawn(shell, args, {
        env: { ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a timeout stops the command's children too.
        detached: !windows
      })
      // Lines are buffered whole so a secret split across two chunks is still found.
      const pending = { stdout: '', stderr: '' }
      const forward = (stream: 'stdout' | 'stderr', chunk: string, flush = false): void => {
        const text = pending[stream] + chunk
        const lines = text.split('\n')
        pending[stream] = flush ? '' : (lines.pop() ?? '')
        for (const line of lines) if (!flush || line !== '') write(redactLine(line, redact))
      }
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => forward('stdout', chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => forward('stderr', chunk))

      return new Promise((resolve) => {
        let timedOut = false
        const signal = (name: NodeJS.Signals): void => {
          try {
            if (!windows && child.pid !== undefined) process.kill(-child.pid, name)
            else child.kill(name)
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          timedOut = true
          signal('SIGTERM')
          setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref()
        }, timeoutMs)
        child.on('error', (error) => {
          clearTimeout(timer)
          write(`smoke-command could not start: ${error.message}`)
          resolve({ exitCode: null, timedOut: false })
        })
        child.on('close', (code) => {
          clearTimeout(timer)
          forward('stdout', '', true)
          forward('stderr', '', true)
          resolve({ exitCode: code, timedOut })
        })
      })
    }
  }
}
