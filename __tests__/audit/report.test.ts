import { describe, expect, it } from 'vitest'
import type { AuditRecord, FindingRecord } from '../../src/audit/record.js'
import { capAnnotations } from '../../src/report/annotations.js'
import {
  auditAnnotations,
  auditOutcomeText,
  buildAuditEvidence,
  buildAuditOutputs,
  renderAuditSummary,
  type AuditReport
} from '../../src/report/audit.js'
import { SUMMARY_LIMIT_BYTES } from '../../src/report/summary.js'
import { judge, type AuditedUser } from '../../src/audit/verdicts.js'
import { EMPTY_REGISTER } from '../../src/audit/register.js'

const NOW = new Date('2026-11-21T12:00:00Z')
const DAY = 86_400_000

function finding(index: number, excepted = false): FindingRecord {
  return {
    kind: 'key-too-old',
    control: 'CIS',
    user: `user${index}`,
    key: 'key 1',
    message: `finding ${index}`,
    fix: 'rotate',
    ...(excepted
      ? {
          exception: {
            line: 3,
            reason: 'r',
            approver: 'a',
            ticket: 'T',
            expires: '2027-01-01'
          }
        }
      : {})
  }
}

function record(users: AuditedUser[], overrides: Partial<AuditRecord> = {}): AuditRecord {
  const judged = judge(users, { maxKeyAgeDays: 90, deleteAfterDays: 0 }, EMPTY_REGISTER, NOW, {
    wholeAccount: true
  })
  return {
    outcome: 'audited',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    account: '123456789012',
    callerArn: 'arn:aws:sts::123456789012:assumed-role/auditor/gha',
    scope: { kind: 'account' },
    source: {
      kind: 'credential-report',
      generatedAt: '2026-11-21T09:00:00.000Z',
      ageMinutes: 180,
      newlyGenerated: false,
      liveUsers: []
    },
    settings: { maxKeyAgeDays: 90, deleteAfterDays: 0 },
    ...judged,
    ...overrides
  }
}

function report(rec: AuditRecord): AuditReport {
  return {
    record: rec,
    run: { url: 'https://github.com/acme/web/actions/runs/1', actor: 'octocat' },
    evidenceFile: '/tmp/aws-key-rotation-evidence.json',
    version: '0.1.0'
  }
}

function reportUser(name: string, ageDays: number): AuditedUser {
  return {
    name,
    arn: `arn:aws:iam::123456789012:user/${name}`,
    keys: [
      {
        slot: 1,
        status: 'Active',
        createdAt: new Date(NOW.getTime() - ageDays * DAY),
        lastUsed: { date: NOW },
        source: 'credential-report'
      }
    ]
  }
}

describe('annotation cap', () => {
  const more = (hidden: number) => `${hidden} more`

  it('keeps a list that fits, and cuts a longer one to slots - 1 plus "N more"', () => {
    expect(capAnnotations([1, 2, 3], 9, () => 0)).toEqual([1, 2, 3])
    const nine = Array.from({ length: 9 }, (_, index) => `a${index}`)
    expect(capAnnotations(nine, 9, more)).toEqual(nine)
    const ten = [...nine, 'a9']
    expect(capAnnotations(ten, 9, more)).toEqual([...nine.slice(0, 8), '2 more'])
    expect(capAnnotations(ten, 10, more)).toEqual(ten)
    expect(capAnnotations(Array.from({ length: 1000 }, String), 10, more)).toHaveLength(10)
  })

  it('never emits more than 10 annotations of a kind, counting the outcome annotation', () => {
    const findings = [
      ...Array.from({ length: 25 }, (_, index) => finding(index)),
      ...Array.from({ length: 12 }, (_, index) => finding(100 + index, true))
    ]
    const annotations = auditAnnotations(record([], { findings, exceptionsFile: 'ex.yml' }))
    const errors = annotations.filter((annotation) => annotation.level === 'error')
    const notices = annotations.filter((annotation) => annotation.level === 'notice')
    // 8 findings + "17 more" + the step's failure (core.setFailed) = 10 errors.
    expect(errors).toHaveLength(9)
    expect(errors.slice(0, 8).map((annotation) => annotation.message)).toEqual(
      Array.from({ length: 8 }, (_, index) => `finding ${index} Fix: rotate`)
    )
    expect(errors[8]?.message).toMatch(/^17 more non-compliant finding\(s\) are listed/)
    expect(notices).toHaveLength(9)
    expect(notices[0]?.message).toBe(
      'finding 100 Excepted until 2027-01-01 by ex.yml line 3 (T, approved by a).'
    )
    expect(notices[8]?.message).toMatch(/^4 more excepted finding\(s\)/)

    const few = auditAnnotations(record([], { findings: [finding(1), finding(2)] }))
    expect(few.map((annotation) => annotation.level)).toEqual(['error', 'error'])
  })
})

describe('audit report', () => {
  it('renders totals, findings and keys worst first, with the report freshness', () => {
    const rec = record([reportUser('young', 3), reportUser('<b>old</b>', 120)])
    const html = renderAuditSummary(report(rec))
    expect(html).toContain('❌ AWS access key audit: 1 non-compliant finding(s)')
    expect(html).toContain('generated <b>2026-11-21T09:00:00.000Z</b> (180 min before this run')
    expect(html).toContain('AWS regenerates it at most every 4 hours')
    expect(html).toContain('&lt;b&gt;old&lt;/b&gt;')
    expect(html).not.toContain('<b>old</b>')
    expect(html.indexOf('&lt;b&gt;old')).toBeLessThan(html.indexOf('<td>young</td>'))
    expect(html).toContain('&quot;key 1&quot; is access_key_1')
    expect(html).toContain('https://github.com/acme/web/actions/runs/1')
  })

  it('stays under 1 MiB for a large account, pointing to the evidence file', () => {
    const users = Array.from({ length: 6000 }, (_, index) =>
      reportUser(`user-${index}`, index % 200)
    )
    const html = renderAuditSummary(report(record(users)))
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES)
    expect(html).toMatch(/\d+ more key\(s\) are listed in the evidence file only/)
  })

  it('publishes the same facts as outputs and evidence', () => {
    const rec = record([reportUser('old', 120), reportUser('young', 3)])
    expect(buildAuditOutputs(rec, '/tmp/e.json')).toEqual({
      rotated: 'false',
      'new-access-key-id': '',
      'old-access-key-id': '',
      'old-key-age-days': '',
      'max-active-key-age-days': '120',
      compliant: 'false',
      'noncompliant-count': '1',
      'evidence-file': '/tmp/e.json'
    })
    const evidence = buildAuditEvidence(report(rec))
    expect(evidence).toMatchObject({
      schemaVersion: 1,
      mode: 'audit',
      outcome: 'audited',
      account: '123456789012',
      source: { kind: 'credential-report', generatedAt: '2026-11-21T09:00:00.000Z' },
      compliance: { compliant: false, noncompliantCount: 1, maxActiveKeyAgeDays: 120 }
    })
    expect((evidence.keys as unknown[]).length).toBe(2)
    expect(String((evidence.source as { note: string }).note)).toContain('no access key IDs')
    expect(auditOutcomeText(rec)).toBe(
      'Audited 2 IAM user(s), 2 key(s) (2 active): 1 non-compliant finding(s) (1 active key older than max-key-age-days). See the job summary and the evidence file; fix them or record an approved exception.'
    )
  })

  it('reports a failed audit without claiming compliance', () => {
    const rec: AuditRecord = {
      ...record([]),
      outcome: 'failed',
      failure: { stage: 'audit', message: 'AWS denied iam:GetCredentialReport', fix: 'Allow it.' }
    }
    delete rec.totals
    delete rec.compliance
    expect(buildAuditOutputs(rec, 'e')).toMatchObject({
      compliant: 'false',
      'noncompliant-count': ''
    })
    expect(renderAuditSummary(report(rec))).toContain('failed at audit')
    expect(auditOutcomeText(rec)).toBe(
      "Audit failed at stage 'audit': AWS denied iam:GetCredentialReport\nFix: Allow it."
    )
  })
})
