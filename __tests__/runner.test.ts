import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { findLeaks, parseFileCommands, type ActionRun } from '../sandbox/runner.js'
import { VERSION } from '../src/version.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

function run(overrides: Partial<ActionRun>): ActionRun {
  return {
    code: 0,
    signal: null,
    stdout: '',
    stderr: '',
    outputs: {},
    outputFile: '',
    summary: '',
    exportedEnv: '',
    evidenceText: '',
    evidence: undefined,
    durationMs: 0,
    ...overrides
  }
}

describe('the leak check used by every process-level test', () => {
  it('ignores the ::add-mask:: command that registers the secret', () => {
    expect(findLeaks(run({ stdout: `::add-mask::${SECRET}\nok\n` }), [SECRET])).toEqual([])
  })

  it.each([
    ['stdout', { stdout: `Created ${SECRET}` }],
    ['stderr', { stderr: SECRET }],
    ['summary', { summary: `<td>${SECRET}</td>` }],
    ['outputs', { outputFile: `x<<EOF\n${SECRET}\nEOF\n` }],
    ['exported env', { exportedEnv: `AWS=${SECRET}` }],
    ['evidence', { evidenceText: JSON.stringify({ key: SECRET }) }]
  ])('finds a secret in %s', (channel, where) => {
    expect(findLeaks(run(where), [SECRET])).toEqual([`${channel} contains wJal… (40 chars)`])
  })
})

describe('runner file commands', () => {
  it('parses heredoc outputs as @actions/core writes them', () => {
    expect(
      parseFileCommands('rotated<<ghadelimiter_1\ntrue\nghadelimiter_1\nmulti<<d\na\nb\nd\n')
    ).toEqual({
      rotated: 'true',
      multi: 'a\nb'
    })
  })
})

describe('version', () => {
  it('matches package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(VERSION).toBe(pkg.version)
  })
})
