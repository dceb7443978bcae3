// The sandbox's `aws sts get-caller-identity`: prints who the credentials in the environment are
// (found through AWS_ENDPOINT_URL), or fails.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'

const sts = new STSClient({ region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 1 })
try {
  const out = await sts.send(new GetCallerIdentityCommand({}))
  console.log(JSON.stringify({ UserId: out.UserId, Account: out.Account, Arn: out.Arn }))
} catch (error) {
  console.error(`whoami: ${error.name}: ${error.message}`)
  process.exitCode = 1
}
