import { describe, expect, it } from 'vitest'
import { toAwsCallError } from '../src/aws/iam.js'
import { explainGetUser, explainGitHub } from '../src/errors.js'
import { toGitHubCallError } from '../src/github/secrets.js'
import { AwsCallError } from '../src/rotation/ports.js'

const TOKEN = 'ghp_supersecrettoken0123456789'
const SIGNATURE =
  'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261121/us-east-1/iam/aws4_request, Signature=deadbeef'

describe('errors from the SDKs', () => {
  it('keeps only the code and message of an AWS SDK error, never the signed request', () => {
    const sdkError = Object.assign(
      new Error('User is not authorized to perform: iam:CreateAccessKey'),
      {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        $response: { headers: { authorization: SIGNATURE } },
        request: { headers: { authorization: SIGNATURE, 'x-amz-security-token': 'SESSIONTOKEN' } }
      }
    )
    const error = toAwsCallError('iam:CreateAccessKey', sdkError)
    expect(error).toMatchObject({
      call: 'iam:CreateAccessKey',
      kind: 'denied',
      code: 'AccessDenied'
    })
    const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack })
    expect(everything).not.toContain('Signature=')
    expect(everything).not.toContain('SESSIONTOKEN')
  })

  it('classifies the AWS failures the rotation decides on', () => {
    const kind = (name: string, status?: number) =>
      toAwsCallError(
        'x',
        Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })
      ).kind
    expect(kind('InvalidClientTokenId', 403)).toBe('propagation')
    expect(kind('LimitExceededException', 409)).toBe('limit')
    expect(kind('NoSuchEntityException', 404)).toBe('not-found')
    expect(kind('ServiceFailure', 500)).toBe('transient')
    expect(kind('TimeoutError')).toBe('transient')
    expect(kind('ValidationError', 400)).toBe('other')
  })

  it('keeps only the status and message of an Octokit error, never the token', () => {
    const octokitError = Object.assign(
      new Error('Resource not accessible by integration - https://docs.github.com'),
      {
        status: 403,
        request: {
          method: 'PUT',
          url: 'https://api.github.com/repos/a/b/actions/secrets/X',
          headers: { authorization: `token ${TOKEN}` }
        },
        response: {
          status: 403,
          data: { message: 'Resource not accessible by integration' },
          headers: { 'x-accepted-github-permissions': 'secrets=write' }
        }
      }
    )
    const error = toGitHubCallError('PUT /repos/a/b/actions/secrets/X', octokitError)
    expect(error).toMatchObject({
      status: 403,
      message: 'Resource not accessible by integration',
      acceptedPermissions: 'secrets=write'
    })
    expect(JSON.stringify({ ...error, stack: error.stack })).not.toContain(TOKEN)
    const explained = explainGitHub('store', error, 'Writing repo:a/b', '"Secrets: Read and write"')
    expect(explained.fix).toContain('GITHUB_TOKEN can never write secrets')
    expect(`${explained.message} ${explained.fix}`).not.toContain(TOKEN)
  })

  it('explains a missing IAM user as a bad iam-user-name, and a denied GetUser as a permission', () => {
    const missing = explainGetUser(
      'audit',
      new AwsCallError('iam:GetUser', 'not-found', 'NoSuchEntity', 'no such user'),
      'ghost',
      '123456789012',
      'Fix iam-user-name.'
    )
    expect(missing).toMatchObject({
      stage: 'inputs',
      message: "iam-user-name: IAM user 'ghost' does not exist in account 123456789012.",
      fix: 'Fix iam-user-name.'
    })
    const denied = explainGetUser(
      'resolve',
      new AwsCallError('iam:GetUser', 'denied', 'AccessDenied', 'not authorized'),
      'ghost',
      '123456789012',
      'Fix iam-user-name.'
    )
    expect(denied.stage).toBe('resolve')
    expect(denied.message).toContain("Reading IAM user 'ghost'")
    expect(denied.message).toContain('iam:GetUser')
  })
})
