/**
 * The floor under the cold start: only the libraries every run of the action loads (@actions/core
 * and the IAM and STS clients), bundled by ncc as dist/index.js is, making the no-op run's three
 * requests and writing one output. The bench builds it and times it next to the action, so the
 * part of the start-up that the action's own code adds is measured, not guessed.
 */
import * as core from '@actions/core'
import { GetAccessKeyLastUsedCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'

const region = core.getInput('aws-region') || 'us-east-1'
const sts = new STSClient({ region })
const iam = new IAMClient({ region })
const caller = await sts.send(new GetCallerIdentityCommand({}))
const userName = caller.Arn?.split('/').at(-1)
const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }))
for (const key of keys.AccessKeyMetadata ?? []) {
  await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }))
}
core.setOutput('rotated', 'false')
