import * as core from '@actions/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { FakeAws } from '../sandbox/aws-fake.js'
import { createAuditIam, createIam } from '../src/aws/iam.js'
import { AwsCallError } from '../src/rotation/ports.js'

vi.mock('@actions/core', async (original) => ({
  ...(await original<typeof import('@actions/core')>()),
  setSecret: vi.fn()
}))

describe('IAM adapter against the IAM/STS fake', () => {
  let aws: FakeAws
  const saved = { ...process.env }

  beforeAll(async () => {
    aws = await FakeAws.start({ propagationDelayMs: 60_000 })
    const role = aws.addRoleSession('rotator')
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ACCESS_KEY_ID: role.accessKeyId,
      AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
      AWS_SESSION_TOKEN: role.sessionToken,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials'
    })
  })

  afterAll(async () => {
    process.env = saved
    await aws.close()
  })

  it('masks a new key before returning it', async () => {
    aws.addUser('fresh')
    const key = await createIam({
      region: 'us-east-1',
      userAgent: 'test',
      requestTimeoutMs: 5_000
    }).createKey('fresh')
    expect(core.setSecret).toHaveBeenCalledWith(key.secret)
    expect(core.setSecret).toHaveBeenCalledWith(key.id)
  })

  it('tries CreateAccessKey exactly once when the user already has two keys', async () => {
    aws.addUser('full')
    aws.addKey('full')
    aws.addKey('full', { status: 'Inactive' })
    const error = await createIam({
      region: 'us-east-1',
      userAgent: 'test',
      requestTimeoutMs: 5_000
    })
      .createKey('full')
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AwsCallError)
    expect(error).toMatchObject({ kind: 'limit', call: 'iam:CreateAccessKey' })
    const creates = aws.requests.filter(
      (request) => request.action === 'CreateAccessKey' && request.params.UserName === 'full'
    )
    expect(creates).toHaveLength(1)
  })

  it('reports a key that has not propagated yet as a propagation failure', async () => {
    aws.addUser('slow')
    const iam = createIam({ region: 'us-east-1', userAgent: 'test', requestTimeoutMs: 5_000 })
    const key = await iam.createKey('slow')
    const error = await iam
      .identify({ accessKeyId: key.id, secretAccessKey: key.secret })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ kind: 'propagation', code: 'InvalidClientTokenId' })
  })

  it('gives up on a hung endpoint after request-timeout-seconds (each SDK attempt)', async () => {
    aws.injectFault({ action: 'ListAccessKeys', hang: true, times: Infinity })
    const started = Date.now()
    const error = await createIam({ region: 'us-east-1', userAgent: 'test', requestTimeoutMs: 300 })
      .listKeys('fresh')
      .catch((caught: unknown) => caught)
    aws.clearFaults()
    expect(error).toMatchObject({ kind: 'transient', call: 'iam:ListAccessKeys' })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('lists keys with their last use and the caller with its ARN', async () => {
    aws.addUser('used', { path: '/ci/' })
    const used = aws.addKey('used', {
      lastUsed: { date: new Date('2026-11-20T10:00:00Z'), service: 's3', region: 'eu-west-1' }
    })
    const iam = createIam({ region: 'us-east-1', userAgent: 'test', requestTimeoutMs: 5_000 })
    expect(await iam.listKeys('used')).toEqual([
      {
        id: used.accessKeyId,
        status: 'Active',
        createdAt: used.createDate,
        lastUsed: { date: new Date('2026-11-20T10:00:00Z'), service: 's3', region: 'eu-west-1' }
      }
    ])
    expect((await iam.caller()).arn).toMatch(/:assumed-role\/rotator\//)
    expect(await iam.getUser('used')).toEqual({
      name: 'used',
      arn: `arn:aws:iam::${aws.accountId}:user/ci/used`
    })
  })

  it('reads the credential report and the owner of a key for audit, without writing', async () => {
    aws.addUser('audited', { path: '/ci/' })
    const key = aws.addKey('audited', { ageDays: 10 })
    const iam = createAuditIam({ region: 'us-east-1', userAgent: 'test', requestTimeoutMs: 5_000 })
    expect(await iam.keyOwner(key.accessKeyId)).toBe('audited')
    expect(await iam.keyOwner('AKIANOSUCHKEY0000000')).toBeUndefined()

    aws.forceCredentialReportRegeneration()
    expect(await iam.generateCredentialReport()).toBe('STARTED')
    expect(await iam.generateCredentialReport()).toBe('COMPLETE')
    const report = await iam.getCredentialReport()
    expect(report.csv).toBe(aws.credentialReportCsv())
    expect(report.csv).toMatch(/^user,arn,user_creation_time,/)
    expect(report.csv).toContain(`\naudited,arn:aws:iam::${aws.accountId}:user/ci/audited,`)
    expect(Date.now() - report.generatedAt.getTime()).toBeLessThan(5_000)
    expect(Object.keys(iam).sort()).toEqual([
      'caller',
      'generateCredentialReport',
      'getCredentialReport',
      'getUser',
      'keyOwner',
      'listKeys'
    ])
  })
})
