/**
 * The sandbox's stand-in for the README's smoke workflow (`aws-smoke.yml`): a dispatched run reads
 * the secrets as GitHub would hand them to the job and calls STS GetCallerIdentity with them
 * against the fake IAM/STS endpoint, exactly as `aws sts get-caller-identity` would.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { FakeAws } from './aws-fake.js'
import type { WorkflowConclusion, WorkflowRunContext, WorkflowSpec } from './github-fake.js'

export const SMOKE_FILE = 'aws-smoke.yml'

export interface SmokeWorkflowOptions {
  /** The job references this environment, so its secrets override the repository's. */
  readonly environment?: string
  /** The job fails whatever the secrets (a broken step after the AWS call), for all or some inputs. */
  readonly fail?: boolean | ((inputs: Record<string, string>) => boolean)
  /** How long the job takes before it calls STS. */
  readonly durationMs?: number
  /** Called with the access key ID each run used (for assertions). */
  readonly onRun?: (
    ctx: WorkflowRunContext,
    accessKeyId: string,
    conclusion: WorkflowConclusion
  ) => void
}

export function stsSmokeWorkflow(aws: FakeAws, options: SmokeWorkflowOptions = {}): WorkflowSpec {
  return {
    file: SMOKE_FILE,
    name: 'AWS smoke test',
    inputs: ['rotation-id'],
    runName: (inputs) => `AWS smoke ${inputs['rotation-id'] ?? ''}`.trim(),
    handler: async (ctx) => {
      if (options.durationMs)
        await new Promise((resolve) => setTimeout(resolve, options.durationMs))
      const secrets = options.environment
        ? ctx.environmentSecrets(options.environment)
        : ctx.secrets
      const accessKeyId = secrets.AWS_ACCESS_KEY_ID ?? ''
      const sts = new STSClient({
        region: 'us-east-1',
        endpoint: aws.endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId, secretAccessKey: secrets.AWS_SECRET_ACCESS_KEY ?? '' }
      })
      let conclusion: WorkflowConclusion
      try {
        await sts.send(new GetCallerIdentityCommand({}))
        conclusion = 'success'
      } catch {
        conclusion = 'failure'
      } finally {
        sts.destroy()
      }
      const fail = typeof options.fail === 'function' ? options.fail(ctx.inputs) : options.fail
      if (fail) conclusion = 'failure'
      options.onRun?.(ctx, accessKeyId, conclusion)
      return conclusion
    }
  }
}
