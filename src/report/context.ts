import type { RotationRecord } from '../rotation/record.js'

/** The workflow run this evidence belongs to, from the runner's default environment variables. */
export interface RunContext {
  readonly url?: string
  readonly repository?: string
  readonly workflow?: string
  readonly job?: string
  readonly runId?: string
  readonly runAttempt?: string
  readonly actor?: string
  readonly event?: string
  readonly sha?: string
}

export function runContextFromEnv(env: NodeJS.ProcessEnv): RunContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const pick = (name: string): Record<string, string> => (env[name] ? { [name]: env[name] } : {})
  const values: Record<string, string> = {
    ...pick('GITHUB_REPOSITORY'),
    ...pick('GITHUB_WORKFLOW'),
    ...pick('GITHUB_JOB'),
    ...pick('GITHUB_RUN_ID'),
    ...pick('GITHUB_RUN_ATTEMPT'),
    ...pick('GITHUB_ACTOR'),
    ...pick('GITHUB_EVENT_NAME'),
    ...pick('GITHUB_SHA')
  }
  const repository = values.GITHUB_REPOSITORY
  const runId = values.GITHUB_RUN_ID
  const attempt = values.GITHUB_RUN_ATTEMPT
  return {
    ...(repository && runId
      ? {
          url: `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}`
        }
      : {}),
    ...(repository ? { repository } : {}),
    ...(values.GITHUB_WORKFLOW ? { workflow: values.GITHUB_WORKFLOW } : {}),
    ...(values.GITHUB_JOB ? { job: values.GITHUB_JOB } : {}),
    ...(runId ? { runId } : {}),
    ...(attempt ? { runAttempt: attempt } : {}),
    ...(values.GITHUB_ACTOR ? { actor: values.GITHUB_ACTOR } : {}),
    ...(values.GITHUB_EVENT_NAME ? { event: values.GITHUB_EVENT_NAME } : {}),
    ...(values.GITHUB_SHA ? { sha: values.GITHUB_SHA } : {})
  }
}

export interface Report {
  readonly record: RotationRecord
  readonly run: RunContext
  readonly maxKeyAgeDays: number
  /** For "next rotation due" in the rotation history; absent when the inputs were unreadable. */
  readonly rotateAfterDays?: number
  readonly evidenceFile: string
  readonly version: string
}

/** Compliance frameworks the rotation is evidence for (names and numbers per framework version). */
export const CONTROLS = [
  {
    id: 'CIS-AWS-1.14',
    framework: 'CIS AWS Foundations Benchmark',
    title: 'Ensure access keys are rotated every 90 days or less',
    note: '1.4 in v1.2.0; 1.14 in v1.4.0-v4.0.1; 1.13 in v5.0.0; 2.13 in v6.0.0'
  },
  {
    id: 'AWS-SecurityHub-IAM.3',
    framework: 'AWS Security Hub CSPM',
    title: "IAM users' access keys should be rotated every 90 days or less",
    note: 'AWS Config rule access-keys-rotated (maxAccessKeyAge 90)'
  }
] as const
