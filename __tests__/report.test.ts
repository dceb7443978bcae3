import { describe, expect, it } from 'vitest'
import type { RotationRecord, TargetRecord } from '../src/rotation/record.js'
import type { Report } from '../src/report/context.js'
import { runContextFromEnv } from '../src/report/context.js'
import { buildEvidence } from '../src/report/evidence.js'
import { buildOutputs } from '../src/report/outputs.js'
import { escapeHtml, renderSummary, SUMMARY_LIMIT_BYTES } from '../src/report/summary.js'

function target(name: string, detail?: string): TargetRecord {
  return {
    target: name,
    kind: 'env',
    scope: `environment ${name}`,
    secretNames: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
    result: 'written',
    holds: 'new',
    writtenAt: '2026-11-21T12:00:01.000Z',
    ...(detail ? { detail } : {})
  }
}

function record(overrides: Partial<RotationRecord> = {}): RotationRecord {
  return {
    outcome: 'rotated',
    startedAt: '2026-11-21T12:00:00.000Z',
    finishedAt: '2026-11-21T12:00:09.000Z',
    account: '123456789012',
    callerArn: 'arn:aws:iam::123456789012:user/ci/deployer',
    user: { name: 'deployer', arn: 'arn:aws:iam::123456789012:user/ci/deployer' },
    selfRotation: true,
    decision: { action: 'rotate', reason: 'the key is 45 days old' },
    keysFound: [],
    oldKey: {
      id: 'AKIA…1111',
      createdAt: '2026-10-07T12:00:00.000Z',
      ageDays: 45,
      status: 'Deleted',
      statusChangedAt: '2026-11-21T12:00:08.000Z'
    },
    newKey: {
      id: 'AKIA…2222',
      createdAt: '2026-11-21T12:00:02.000Z',
      ageDays: 0,
      status: 'Active',
      verifiedArn: 'arn:aws:iam::123456789012:user/ci/deployer',
      verificationMs: 2400,
      verificationAttempts: 6
    },
    removedKeys: [],
    targets: [target('env:acme/web/production')],
    smoke: [],
    plan: [],
    instructions: [],
    compliance: { maxKeyAgeDays: 90, activeKeys: 1, maxActiveKeyAgeDays: 0, compliant: true },
    ...overrides
  }
}

function report(rec: RotationRecord): Report {
  return {
    record: rec,
    run: { url: 'https://github.com/acme/web/actions/runs/1/attempts/1', actor: 'octocat' },
    maxKeyAgeDays: 90,
    evidenceFile: '/tmp/aws-key-rotation-evidence.json',
    version: '0.1.0'
  }
}

describe('job summary', () => {
  it('shows the evidence an auditor needs', () => {
    const html = renderSummary(report(record()))
    for (const expected of [
      'AWS access key rotated',
      '123456789012',
      'arn:aws:iam::123456789012:user/ci/deployer',
      'AKIA…1111',
      'AKIA…2222',
      'Deleted',
      '2400 ms',
      'env:acme/web/production',
      'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
      '✅ compliant',
      'https://github.com/acme/web/actions/runs/1/attempts/1',
      'octocat',
      'Security Hub',
      'CIS AWS Foundations Benchmark'
    ]) {
      expect(html).toContain(expected)
    }
  })

  it('escapes every value that came from outside', () => {
    const html = renderSummary(
      report(
        record({
          targets: [target('env:acme/web/<img src=x onerror=alert(1)>', '"quoted" & <b>bold</b>')],
          failure: {
            stage: 'store',
            message: 'GitHub answered <script>alert(1)</script>',
            fix: "it's <fine>"
          }
        })
      )
    )
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<b>bold</b>')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;')
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;')
  })

  it('stays under 1 MiB for a huge fleet, saying how many targets are left out', () => {
    const many = Array.from({ length: 20_000 }, (_, index) =>
      target(`env:acme/repo-${index}/production`)
    )
    const html = renderSummary(report(record({ targets: many })))
    expect(Buffer.byteLength(html)).toBeLessThan(SUMMARY_LIMIT_BYTES)
    expect(html).toMatch(/\d+ more target\(s\) are listed in the evidence file only/)
  })

  it('explains a failure with its stage, fix and instructions', () => {
    const html = renderSummary(
      report(
        record({
          outcome: 'failed',
          failure: {
            stage: 'store',
            message: 'Writing env:acme/web/production failed.',
            fix: 'Grant Environments write.'
          },
          instructions: ['Both keys stay active.']
        })
      )
    )
    expect(html).toContain('failed at store')
    expect(html).toContain('Grant Environments write.')
    expect(html).toContain('Both keys stay active.')
  })
})

describe('evidence and outputs', () => {
  it('builds the SPEC evidence fields from the record', () => {
    const evidence = buildEvidence(report(record()))
    expect(Object.keys(evidence)).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'controls',
        'run',
        'account',
        'user',
        'oldKey',
        'newKey',
        'targets',
        'smoke',
        'outcome',
        'failure',
        'startedAt',
        'finishedAt'
      ])
    )
    expect(evidence).toMatchObject({
      schemaVersion: 1,
      outcome: 'rotated',
      user: { arn: 'arn:aws:iam::123456789012:user/ci/deployer' }
    })
  })

  it('sets every output, with redacted key IDs', () => {
    expect(buildOutputs(record(), '/tmp/e.json')).toEqual({
      rotated: 'true',
      'new-access-key-id': 'AKIA…2222',
      'old-access-key-id': 'AKIA…1111',
      'old-key-age-days': '45',
      'max-active-key-age-days': '0',
      compliant: 'true',
      'evidence-file': '/tmp/e.json'
    })
  })

  it('does not report a deleted new key as rotated', () => {
    const failed = record({
      outcome: 'failed',
      newKey: { id: 'AKIA…2222', createdAt: '', ageDays: 0, status: 'Deleted' }
    })
    expect(buildOutputs(failed, '/e')).toMatchObject({ rotated: 'false', 'new-access-key-id': '' })
  })

  it('reads the run URL from the runner environment (GHES server URL included)', () => {
    expect(
      runContextFromEnv({
        GITHUB_SERVER_URL: 'https://ghe.example',
        GITHUB_REPOSITORY: 'acme/web',
        GITHUB_RUN_ID: '7',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_ACTOR: 'me'
      })
    ).toMatchObject({ url: 'https://ghe.example/acme/web/actions/runs/7/attempts/2', actor: 'me' })
  })
})
