import { CONTROLS, type Report } from './context.js'

/** The machine-readable evidence (SPEC "Evidence file"); key IDs are already redacted in the record. */
export function buildEvidence(report: Report): Record<string, unknown> {
  const { record } = report
  return {
    schemaVersion: 1,
    tool: { name: 'rotate-aws-access-key', version: report.version },
    controls: CONTROLS,
    run: report.run,
    outcome: record.outcome,
    failure: record.failure ?? null,
    instructions: record.instructions,
    account: record.account ?? null,
    user: record.user ?? null,
    caller: record.callerArn ? { arn: record.callerArn } : null,
    selfRotation: record.selfRotation ?? null,
    decision: record.decision ?? null,
    exception: record.exception ?? null,
    recovery: record.recovery ?? null,
    keysFound: record.keysFound,
    oldKey: record.oldKey ?? null,
    newKey: record.newKey ?? null,
    removedKeys: record.removedKeys,
    targets: record.targets,
    smoke: record.smoke,
    plan: record.plan,
    compliance: record.compliance ?? { maxKeyAgeDays: report.maxKeyAgeDays, compliant: null },
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? null
  }
}
