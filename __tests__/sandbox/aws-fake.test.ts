import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand
} from '@aws-sdk/client-iam'
import type { User } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterEach, describe, expect, it } from 'vitest'
import { CREDENTIAL_REPORT_COLUMNS, FakeAws } from '../../sandbox/aws-fake.js'
import type { FakeAwsOptions, FakeKey, RoleSession } from '../../sandbox/aws-fake.js'

interface Creds {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string }
}

let fakes: FakeAws[] = []
let clients: { destroy(): void }[] = []

afterEach(async () => {
  for (const client of clients) client.destroy()
  clients = []
  await Promise.all(fakes.map((f) => f.close()))
  fakes = []
})

async function startFake(options?: FakeAwsOptions): Promise<FakeAws> {
  const fake = await FakeAws.start(options)
  fakes.push(fake)
  return fake
}

function creds(key: FakeKey | RoleSession | Creds): Creds {
  const c: Creds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }
  if ('sessionToken' in key && key.sessionToken !== undefined) c.sessionToken = key.sessionToken
  return c
}

function iam(fake: FakeAws, c: Creds, region = 'us-east-1'): IAMClient {
  const client = new IAMClient({ endpoint: fake.endpoint, region, credentials: c, maxAttempts: 1 })
  clients.push(client)
  return client
}

function sts(fake: FakeAws, c: Creds, region = 'us-east-1'): STSClient {
  const client = new STSClient({ endpoint: fake.endpoint, region, credentials: c, maxAttempts: 1 })
  clients.push(client)
  return client
}

async function errorOf(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise
  } catch (err) {
    return err as SdkError
  }
  throw new Error('expected the call to fail')
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Sign and POST a raw Query request, to look at the wire format. */
async function rawCall(
  fake: FakeAws,
  c: Creds,
  service: 'iam' | 'sts',
  body: string
): Promise<{ status: number; headers: Headers; text: string }> {
  const url = new URL(fake.endpoint)
  const signer = new SignatureV4({
    credentials: c,
    region: 'us-east-1',
    service,
    sha256: Hash.bind(null, 'sha256')
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body
  })
  const res = await fetch(fake.endpoint, { method: 'POST', headers: signed.headers, body })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe('FakeAws', () => {
  it('runs the create → list → update → delete lifecycle through the real IAM client', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const old = fake.addKey('deployer', { ageDays: 100 })
    const client = iam(fake, creds(old))

    const created = await client.send(new CreateAccessKeyCommand({}))
    const newKey = created.AccessKey
    expect(newKey?.UserName).toBe('deployer')
    expect(newKey?.Status).toBe('Active')
    expect(newKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
    expect(newKey?.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/)
    expect(newKey?.CreateDate).toBeInstanceOf(Date)
    expect(fake.findKey(newKey?.AccessKeyId ?? '')?.secretAccessKey).toBe(newKey?.SecretAccessKey)

    const listed = await client.send(new ListAccessKeysCommand({ UserName: 'deployer' }))
    expect(listed.IsTruncated).toBe(false)
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId).sort()).toEqual(
      [old.accessKeyId, newKey?.AccessKeyId].sort()
    )
    const oldMeta = listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === old.accessKeyId)
    expect(oldMeta?.CreateDate?.getTime()).toBe(old.createDate.getTime())
    expect(oldMeta?.Status).toBe('Active')

    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: old.accessKeyId, Status: 'Inactive' })
    )
    expect(old.status).toBe('Inactive')

    // the old key is inactive now: continue with the new one
    const client2 = iam(fake, {
      accessKeyId: newKey?.AccessKeyId ?? '',
      secretAccessKey: newKey?.SecretAccessKey ?? ''
    })
    await client2.send(
      new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: old.accessKeyId })
    )
    expect(fake.keys('deployer').map((k) => k.accessKeyId)).toEqual([newKey?.AccessKeyId])
    expect(fake.findKey(old.accessKeyId)?.deleted).toBe(true)
    expect(fake.findKey(old.accessKeyId)?.deletedAt).toBeInstanceOf(Date)

    expect(fake.mutations().map((r) => [r.action, r.status])).toEqual([
      ['CreateAccessKey', 200],
      ['UpdateAccessKey', 200],
      ['DeleteAccessKey', 200]
    ])
    // secrets never appear in the request log
    const log = JSON.stringify(fake.requests)
    expect(fake.issuedSecrets()).toHaveLength(2)
    for (const secret of fake.issuedSecrets()) expect(log).not.toContain(secret)
  })

  it('answers a third key with LimitExceeded 409 (inactive keys count)', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    fake.addKey('deployer', { status: 'Inactive' })
    const err = await errorOf(iam(fake, creds(key)).send(new CreateAccessKeyCommand({})))
    expect(err.name).toBe('LimitExceededException')
    expect(err.message).toBe('Cannot exceed quota for AccessKeysPerUser: 2')
    expect(err.$metadata?.httpStatusCode).toBe(409)
    expect(err.$metadata?.attempts).toBe(1)
    expect(fake.keys('deployer')).toHaveLength(2)
    expect(fake.mutations()).toMatchObject([
      { action: 'CreateAccessKey', status: 409, errorCode: 'LimitExceeded' }
    ])
  })

  it('rejects a new key at STS until it has propagated, and at IAM on its own delay', async () => {
    const fake = await startFake({ propagationDelayMs: 300, iamPropagationDelayMs: 600 })
    fake.addUser('deployer')
    const old = fake.addKey('deployer')
    const created = await iam(fake, creds(old)).send(new CreateAccessKeyCommand({}))
    const fresh = {
      accessKeyId: created.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: created.AccessKey?.SecretAccessKey ?? ''
    }
    const key = fake.findKey(fresh.accessKeyId)
    expect(key?.stsReadyAt).toBeGreaterThan(Date.now())
    expect(key?.iamReadyAt).toBeGreaterThan(key?.stsReadyAt ?? Infinity)

    const early = await errorOf(sts(fake, fresh).send(new GetCallerIdentityCommand({})))
    expect(early.name).toBe('InvalidClientTokenId')
    expect(early.message).toBe('The security token included in the request is invalid.')
    expect(early.$metadata?.httpStatusCode).toBe(403)
    expect(fake.authenticates(fresh.accessKeyId, fresh.secretAccessKey, 'sts')).toBe(false)

    await sleep((key?.stsReadyAt ?? 0) - Date.now() + 10)
    expect(fake.authenticates(fresh.accessKeyId, fresh.secretAccessKey, 'sts')).toBe(true)
    const me = await sts(fake, fresh).send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/deployer')

    // STS accepts it, IAM does not yet
    expect(fake.authenticates(fresh.accessKeyId, fresh.secretAccessKey, 'iam')).toBe(false)
    const iamEarly = await errorOf(iam(fake, fresh).send(new ListAccessKeysCommand({})))
    expect(iamEarly.name).toBe('InvalidClientTokenId')
    await sleep((key?.iamReadyAt ?? 0) - Date.now() + 10)
    expect(fake.authenticates(fresh.accessKeyId, fresh.secretAccessKey, 'iam')).toBe(true)
    const listed = await iam(fake, fresh).send(new ListAccessKeysCommand({}))
    expect(listed.AccessKeyMetadata).toHaveLength(2)
  })

  it('setPropagationDelay affects keys created afterwards', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const old = fake.addKey('deployer')
    fake.setPropagationDelay(60_000, 0)
    const created = await iam(fake, creds(old)).send(new CreateAccessKeyCommand({}))
    const id = created.AccessKey?.AccessKeyId ?? ''
    const secret = created.AccessKey?.SecretAccessKey ?? ''
    expect(fake.authenticates(id, secret, 'sts')).toBe(false)
    expect(fake.authenticates(id, secret, 'iam')).toBe(true)
    expect(fake.authenticates(old.accessKeyId, old.secretAccessKey)).toBe(true)
  })

  it('rejects deleted and inactive keys with InvalidClientTokenId, and a wrong secret', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const inactive = fake.addKey('deployer', { status: 'Inactive' })
    const doomed = fake.addKey('deployer')
    const admin = fake.addRoleSession('rotator')
    await iam(fake, creds(admin)).send(
      new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: doomed.accessKeyId })
    )

    for (const key of [inactive, doomed]) {
      const calls = [
        () => sts(fake, creds(key)).send(new GetCallerIdentityCommand({})),
        () => iam(fake, creds(key)).send(new GetUserCommand({}))
      ]
      for (const call of calls) {
        const err = await errorOf(call())
        expect(err.name).toBe('InvalidClientTokenId')
        expect(err.$metadata?.httpStatusCode).toBe(403)
      }
      expect(fake.authenticates(key.accessKeyId, key.secretAccessKey)).toBe(false)
    }

    const good = fake.addKey('deployer')
    const wrong = { accessKeyId: good.accessKeyId, secretAccessKey: 'x'.repeat(40) }
    const err = await errorOf(sts(fake, wrong).send(new GetCallerIdentityCommand({})))
    expect(err.name).toBe('SignatureDoesNotMatch')
    expect(err.$metadata?.httpStatusCode).toBe(403)
    expect(fake.authenticates(wrong.accessKeyId, wrong.secretAccessKey)).toBe(false)
    expect(fake.authenticates(good.accessKeyId, good.secretAccessKey)).toBe(true)
    expect(fake.requests.at(-1)).toMatchObject({
      service: 'sts',
      action: 'GetCallerIdentity',
      status: 403,
      errorCode: 'SignatureDoesNotMatch',
      accessKeyId: good.accessKeyId
    })
  })

  it('accepts any secret when verifySignatures is false', async () => {
    const fake = await startFake({ verifySignatures: false })
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    const me = await sts(fake, { accessKeyId: key.accessKeyId, secretAccessKey: 'nope' }).send(
      new GetCallerIdentityCommand({})
    )
    expect(me.Account).toBe('123456789012')
  })

  it('reports the user ARN with its path from GetCallerIdentity and GetUser', async () => {
    const fake = await startFake({ accountId: '210987654321', partition: 'aws-cn' })
    const user = fake.addUser('deployer', { path: '/ci/' })
    const key = fake.addKey('deployer')
    const me = await sts(fake, creds(key), 'cn-north-1').send(new GetCallerIdentityCommand({}))
    expect(me).toMatchObject({
      Arn: 'arn:aws-cn:iam::210987654321:user/ci/deployer',
      UserId: user.userId,
      Account: '210987654321'
    })
    expect(user.userId).toMatch(/^AIDA[A-Z2-7]{17}$/)
    const got = await iam(fake, creds(key)).send(new GetUserCommand({}))
    expect(got.User).toMatchObject({
      Path: '/ci/',
      UserName: 'deployer',
      Arn: 'arn:aws-cn:iam::210987654321:user/ci/deployer'
    })
  })

  it('denies a user acting on another user unless allowed; deny() overrides', async () => {
    const fake = await startFake()
    fake.addUser('alice')
    fake.addUser('bob', { path: '/ci/' })
    const alice = iam(fake, creds(fake.addKey('alice')))

    const err = await errorOf(alice.send(new ListAccessKeysCommand({ UserName: 'bob' })))
    expect(err.name).toBe('AccessDenied')
    expect(err.$metadata?.httpStatusCode).toBe(403)
    expect(err.message).toBe(
      'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ' +
        'iam:ListAccessKeys on resource: arn:aws:iam::123456789012:user/ci/bob because no ' +
        'identity-based policy allows the iam:ListAccessKeys action'
    )
    expect(fake.requests.at(-1)).toMatchObject({
      action: 'ListAccessKeys',
      params: { UserName: 'bob' },
      principalArn: 'arn:aws:iam::123456789012:user/alice',
      status: 403,
      errorCode: 'AccessDenied'
    })
    // on itself it may
    await alice.send(new ListAccessKeysCommand({ UserName: 'alice' }))

    fake.allow('alice', 'ListAccessKeys')
    const bobs = await alice.send(new ListAccessKeysCommand({ UserName: 'bob' }))
    expect(bobs.AccessKeyMetadata).toEqual([])
    const create = await errorOf(alice.send(new CreateAccessKeyCommand({ UserName: 'bob' })))
    expect(create.name).toBe('AccessDenied')

    fake.deny('alice', 'ListAccessKeys')
    expect((await errorOf(alice.send(new ListAccessKeysCommand({})))).name).toBe('AccessDenied')
    // GetCallerIdentity is never denied
    fake.deny('alice', '*')
    const me = await sts(fake, creds(fake.keys('alice')[0] as FakeKey)).send(
      new GetCallerIdentityCommand({})
    )
    expect(me.Arn).toBe('arn:aws:iam::123456789012:user/alice')
  })

  it('lets a role session act on any user and needs UserName from it', async () => {
    const fake = await startFake()
    fake.addUser('deployer', { path: '/ci/' })
    const old = fake.addKey('deployer')
    const role = fake.addRoleSession('key-rotator', 'rotation-run')
    expect(role.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    const admin = iam(fake, creds(role))

    const me = await sts(fake, creds(role)).send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe('arn:aws:sts::123456789012:assumed-role/key-rotator/rotation-run')
    expect(me.UserId).toMatch(/^AROA[A-Z2-7]{17}:rotation-run$/)

    const created = await admin.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))
    expect(created.AccessKey?.UserName).toBe('deployer')
    await admin.send(
      new UpdateAccessKeyCommand({
        UserName: 'deployer',
        AccessKeyId: old.accessKeyId,
        Status: 'Inactive'
      })
    )
    expect(old.status).toBe('Inactive')
    const last = await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: old.accessKeyId }))
    expect(last.UserName).toBe('deployer')

    const noName = await errorOf(admin.send(new GetUserCommand({})))
    expect(noName.name).toBe('ValidationError')
    expect(noName.message).toBe('Must specify userName when calling with non-User credentials')
    expect(noName.$metadata?.httpStatusCode).toBe(400)
    expect((await errorOf(admin.send(new ListAccessKeysCommand({})))).name).toBe('ValidationError')

    const missing = await errorOf(admin.send(new GetUserCommand({ UserName: 'ghost' })))
    expect(missing.name).toBe('NoSuchEntityException')
    expect(missing.message).toBe('The user with name ghost cannot be found.')
    expect(missing.$metadata?.httpStatusCode).toBe(404)

    const foreignKey = await errorOf(
      admin.send(
        new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })
      )
    )
    expect(foreignKey.name).toBe('NoSuchEntityException')
    expect(foreignKey.message).toBe('The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found')

    // the session token is required
    const noToken = { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey }
    const err = await errorOf(sts(fake, noToken).send(new GetCallerIdentityCommand({})))
    expect(err.name).toBe('InvalidClientTokenId')

    fake.deny('key-rotator', 'CreateAccessKey')
    const denied = await errorOf(admin.send(new CreateAccessKeyCommand({ UserName: 'deployer' })))
    expect(denied.name).toBe('AccessDenied')
    expect(denied.message).toContain(
      'User: arn:aws:sts::123456789012:assumed-role/key-rotator/rotation-run is not authorized'
    )
    expect(fake.issuedSecrets()).toContain(role.secretAccessKey)
  })

  it('hangs a request until the client gives up, and close() still returns', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    fake.injectFault({ action: 'GetCallerIdentity', hang: true })
    const client = sts(fake, creds(key))
    const started = Date.now()
    const err = await errorOf(
      client.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(200) })
    )
    expect(err.name).toMatch(/Abort|Timeout/)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(fake.requests.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status: 0 })
    // the fault was used up: the next call answers
    await client.send(new GetCallerIdentityCommand({}))

    fake.injectFault({ action: 'GetCallerIdentity', hang: true })
    const hung = client.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e)
    await sleep(50)
    const closing = Date.now()
    await fake.close()
    expect(Date.now() - closing).toBeLessThan(1_000)
    expect(await hung).toBeInstanceOf(Error)
  })

  it('performs the action but loses the answer with afterSuccess', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    fake.injectFault({ action: 'CreateAccessKey', afterSuccess: true })
    const client = iam(fake, creds(key))
    const err = await errorOf(client.send(new CreateAccessKeyCommand({})))
    expect(err.name).toBe('ServiceFailureException')
    expect(err.$metadata?.httpStatusCode).toBe(500)
    expect(fake.keys('deployer')).toHaveLength(2) // the key exists anyway
    expect(fake.issuedSecrets()).toHaveLength(2)
    expect(fake.mutations()).toMatchObject([
      { action: 'CreateAccessKey', status: 500, errorCode: 'ServiceFailure' }
    ])
  })

  it('matches faults by service, when() and times, and can delay normal answers', async () => {
    const fake = await startFake()
    fake.addUser('alice')
    fake.addUser('bob')
    const role = fake.addRoleSession('rotator')
    const admin = iam(fake, creds(role))
    fake.injectFault({
      action: 'ListAccessKeys',
      service: 'iam',
      when: (req) => req.params['UserName'] === 'bob' && req.principalArn === role.arn,
      times: 2,
      status: 400,
      code: 'Throttling',
      message: 'Rate exceeded'
    })
    await admin.send(new ListAccessKeysCommand({ UserName: 'alice' }))
    for (let i = 0; i < 2; i++) {
      const err = await errorOf(admin.send(new ListAccessKeysCommand({ UserName: 'bob' })))
      expect(err.name).toBe('Throttling')
      expect(err.message).toBe('Rate exceeded')
    }
    await admin.send(new ListAccessKeysCommand({ UserName: 'bob' }))

    fake.injectFault({ action: 'ListAccessKeys', delayMs: 300 })
    const t0 = Date.now()
    await admin.send(new ListAccessKeysCommand({ UserName: 'bob' }))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280)

    fake.injectFault({ action: '*', times: Infinity, code: 'ServiceUnavailable', status: 503 })
    expect((await errorOf(admin.send(new GetUserCommand({ UserName: 'bob' })))).name).toBe(
      'ServiceUnavailable'
    )
    fake.clearFaults()
    await admin.send(new GetUserCommand({ UserName: 'bob' }))
  })

  it('authenticates() agrees with what the SDK sees', async () => {
    const fake = await startFake({ propagationDelayMs: 5_000 })
    fake.addUser('deployer')
    const active = fake.addKey('deployer')
    const inactive = fake.addKey('deployer', { status: 'Inactive' })
    fake.addUser('other')
    const otherOld = fake.addKey('other')
    const created = await iam(fake, creds(otherOld)).send(new CreateAccessKeyCommand({}))
    const pending = {
      accessKeyId: created.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: created.AccessKey?.SecretAccessKey ?? ''
    }
    const cases: Creds[] = [
      creds(active),
      creds(inactive),
      pending,
      { accessKeyId: active.accessKeyId, secretAccessKey: inactive.secretAccessKey },
      { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: active.secretAccessKey }
    ]
    const seen: boolean[] = []
    for (const c of cases) {
      const ok = await sts(fake, c)
        .send(new GetCallerIdentityCommand({}))
        .then(
          () => true,
          () => false
        )
      expect(fake.authenticates(c.accessKeyId, c.secretAccessKey, 'sts')).toBe(ok)
      seen.push(ok)
    }
    expect(seen).toEqual([true, false, false, false, false])
  })

  it('records last use per key and reports it through GetAccessKeyLastUsed', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    const seeded = fake.addKey('deployer', {
      lastUsed: { date: new Date('2024-05-01T10:00:00Z'), service: 's3', region: 'eu-west-1' }
    })
    expect(key.lastUsed).toBeUndefined()

    const before = Date.now()
    await sts(fake, creds(key), 'eu-central-1').send(new GetCallerIdentityCommand({}))
    expect(key.lastUsed?.service).toBe('sts')
    expect(key.lastUsed?.region).toBe('eu-central-1')
    expect(key.lastUsed?.date.getTime()).toBeGreaterThanOrEqual(before)
    const stsUse = key.lastUsed?.date.getTime()

    const client = iam(fake, creds(key))
    const own = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }))
    expect(own.UserName).toBe('deployer')
    expect(own.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'eu-central-1' })
    expect(own.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBe(stsUse)
    // this IAM call itself is recorded afterwards
    expect(key.lastUsed?.service).toBe('iam')
    expect(key.lastUsed?.region).toBe('us-east-1')

    const other = await client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: seeded.accessKeyId })
    )
    expect(other.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date('2024-05-01T10:00:00Z'),
      ServiceName: 's3',
      Region: 'eu-west-1'
    })

    fake.addUser('fresh')
    const unused = fake.addKey('fresh')
    const role = fake.addRoleSession('auditor')
    const never = await iam(fake, creds(role)).send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: unused.accessKeyId })
    )
    expect(never).toMatchObject({
      UserName: 'fresh',
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' }
    })
    expect(never.AccessKeyLastUsed?.LastUsedDate).toBeUndefined()
    // failed calls do not count as use
    fake.injectFault({ action: 'GetCallerIdentity', status: 500 })
    const lastBefore = key.lastUsed
    await errorOf(sts(fake, creds(key)).send(new GetCallerIdentityCommand({})))
    expect(key.lastUsed).toBe(lastBefore)
  })

  it('paginates ListUsers with MaxItems/Marker and filters by PathPrefix', async () => {
    const fake = await startFake()
    for (const name of ['erin', 'alice', 'dave', 'carol', 'bob']) {
      fake.addUser(name, { path: name < 'c' ? '/ci/' : '/' })
    }
    const role = fake.addRoleSession('auditor')
    const client = iam(fake, creds(role))

    const names: string[] = []
    let marker: string | undefined
    let pages = 0
    do {
      const page = await client.send(
        new ListUsersCommand(marker ? { MaxItems: 2, Marker: marker } : { MaxItems: 2 })
      )
      pages++
      names.push(...(page.Users ?? []).map((u: User) => u.UserName ?? ''))
      expect(page.IsTruncated).toBe(page.Marker !== undefined)
      marker = page.Marker
    } while (marker)
    expect(pages).toBe(3)
    expect(names).toEqual(['alice', 'bob', 'carol', 'dave', 'erin'])

    const ci = await client.send(new ListUsersCommand({ PathPrefix: '/ci/' }))
    expect(ci.Users?.map((u) => u.Arn)).toEqual([
      'arn:aws:iam::123456789012:user/ci/alice',
      'arn:aws:iam::123456789012:user/ci/bob'
    ])
    expect(ci.IsTruncated).toBe(false)

    // a user needs allow() for ListUsers
    const asUser = iam(fake, creds(fake.addKey('dave')))
    expect((await errorOf(asUser.send(new ListUsersCommand({})))).name).toBe('AccessDenied')
    fake.allow('dave', 'ListUsers')
    expect((await asUser.send(new ListUsersCommand({}))).Users).toHaveLength(5)
  })

  it('generates the credential report like AWS: STARTED, then COMPLETE, reused for 4 hours', async () => {
    const fake = await startFake()
    fake.addUser('zed', { createDate: new Date('2024-01-01T00:00:00Z') })
    fake.addUser('ci,legacy', { path: '/ci/', password: {} })
    fake.addKey('zed', {
      createDate: new Date('2025-03-04T05:06:07.890Z'),
      lastUsed: { date: new Date('2026-01-02T03:04:05Z'), service: 's3', region: 'eu-west-1' }
    })
    fake.addKey('zed', { createDate: new Date('2024-06-01T00:00:00Z'), status: 'Inactive' })
    const role = fake.addRoleSession('auditor')
    const client = iam(fake, creds(role))

    // Before any generation AWS answers ReportNotPresent (410).
    const absent = await errorOf(client.send(new GetCredentialReportCommand({})))
    expect(absent.name).toBe('CredentialReportNotPresentException')
    expect(absent.$metadata?.httpStatusCode).toBe(410)

    const first = await client.send(new GenerateCredentialReportCommand({}))
    expect(first.State).toBe('STARTED')
    const second = await client.send(new GenerateCredentialReportCommand({}))
    expect(second.State).toBe('COMPLETE')

    const report = await client.send(new GetCredentialReportCommand({}))
    expect(report.ReportFormat).toBe('text/csv')
    expect(report.GeneratedTime).toBeInstanceOf(Date)
    expect(Date.now() - (report.GeneratedTime?.getTime() ?? 0)).toBeLessThan(5_000)
    const csv = Buffer.from(report.Content ?? new Uint8Array()).toString('utf8')
    expect(csv).toBe(fake.credentialReportCsv())
    const lines = csv.split('\n')
    expect(lines[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(','))
    expect(lines[0]).toBe(
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
        'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
        'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
        'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
        'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,' +
        'cert_1_last_rotated,cert_2_active,cert_2_last_rotated'
    )
    expect(lines[1]).toMatch(/^<root_account>,arn:aws:iam::123456789012:root,/)
    // A comma in a user name is quoted (RFC 4180); a password never used is no_information.
    expect(lines[2]).toMatch(
      /^"ci,legacy","arn:aws:iam::123456789012:user\/ci\/ci,legacy",[^,]+,true,no_information,/
    )
    // Slots in creation order; an inactive key keeps its date; an empty slot is false/N/A.
    expect(lines[3]).toBe(
      'zed,arn:aws:iam::123456789012:user/zed,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,' +
        'false,2024-06-01T00:00:00+00:00,N/A,N/A,N/A,' +
        'true,2025-03-04T05:06:07+00:00,2026-01-02T03:04:05+00:00,eu-west-1,s3,' +
        'false,N/A,false,N/A'
    )
    expect(lines).toHaveLength(4)

    // Within 4 hours a new call reuses the report: no new STARTED, the same GeneratedTime.
    fake.addUser('later')
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE')
    expect(fake.credentialReportCsv()).not.toContain('later')
    // ...unless a test forces a regeneration.
    fake.forceCredentialReportRegeneration()
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED')
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE')
    expect(fake.credentialReportCsv()).toContain('\nlater,')
  })

  it('expires a credential report after 4 hours and regenerates it on request', async () => {
    const fake = await startFake({ credentialReportGenerationMs: 150 })
    fake.addUser('deployer')
    const role = fake.addRoleSession('auditor')
    const client = iam(fake, creds(role))

    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED')
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS')
    const early = await errorOf(client.send(new GetCredentialReportCommand({})))
    expect(early.name).toBe('CredentialReportNotReadyException')
    expect(early.$metadata?.httpStatusCode).toBe(404)
    await sleep(200)
    const ready = await client.send(new GetCredentialReportCommand({}))
    const generated = ready.GeneratedTime?.getTime() ?? 0

    fake.backdateCredentialReport(3 * 3_600_000)
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE')
    const reused = await client.send(new GetCredentialReportCommand({}))
    expect(reused.GeneratedTime?.getTime()).toBe(generated - 3 * 3_600_000)

    fake.backdateCredentialReport(3_600_000)
    const expired = await errorOf(client.send(new GetCredentialReportCommand({})))
    expect(expired.name).toBe('CredentialReportExpiredException')
    expect(expired.$metadata?.httpStatusCode).toBe(410)
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED')
  })

  it('lets roles read the credential report; users need allow()', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const asUser = iam(fake, creds(fake.addKey('deployer')))
    const denied = await errorOf(asUser.send(new GenerateCredentialReportCommand({})))
    expect(denied.name).toBe('AccessDenied')
    expect(denied.message).toContain('iam:GenerateCredentialReport')
    fake.allow('deployer', 'GenerateCredentialReport')
    expect((await asUser.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED')
    expect((await errorOf(asUser.send(new GetCredentialReportCommand({})))).name).toBe(
      'AccessDenied'
    )
    fake.allow('deployer', 'GetCredentialReport')
    expect((await asUser.send(new GetCredentialReportCommand({}))).ReportFormat).toBe('text/csv')

    const role = fake.addRoleSession('auditor')
    fake.deny('auditor', 'GetCredentialReport')
    expect(
      (await errorOf(iam(fake, creds(role)).send(new GetCredentialReportCommand({})))).name
    ).toBe('AccessDenied')
  })

  it('speaks the Query protocol XML wire format', async () => {
    const fake = await startFake({ latencyMs: 20 })
    fake.addUser('deployer')
    const key = fake.addKey('deployer', { createDate: new Date('2024-01-02T03:04:05Z') })
    const c = creds(key)

    const list = await rawCall(fake, c, 'iam', 'Action=ListAccessKeys&Version=2010-05-08')
    expect(list.status).toBe(200)
    expect(list.headers.get('content-type')).toBe('text/xml')
    const requestId = list.headers.get('x-amzn-requestid') ?? ''
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(list.text).toBe(
      '<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        '<ListAccessKeysResult><AccessKeyMetadata><member><UserName>deployer</UserName>' +
        `<AccessKeyId>${key.accessKeyId}</AccessKeyId><Status>Active</Status>` +
        '<CreateDate>2024-01-02T03:04:05Z</CreateDate></member></AccessKeyMetadata>' +
        '<IsTruncated>false</IsTruncated></ListAccessKeysResult>' +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
        '</ListAccessKeysResponse>'
    )

    const update = await rawCall(
      fake,
      c,
      'iam',
      `Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=${key.accessKeyId}&Status=Active`
    )
    expect(update.text).toMatch(
      /^<UpdateAccessKeyResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/UpdateAccessKeyResponse>$/
    )

    const bad = await rawCall(fake, c, 'sts', 'Action=AssumeRoleWithMagic&Version=2011-06-15')
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>Could not find operation AssumeRoleWithMagic for version 2011-06-15<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/
    )

    const escaped = await rawCall(
      fake,
      c,
      'iam',
      'Action=GetUser&Version=2010-05-08&UserName=' + encodeURIComponent('<a&b>')
    )
    expect(escaped.status).toBe(403)
    expect(escaped.text).toContain('resource: arn:aws:iam::123456789012:user/&lt;a&amp;b&gt;')

    const unsigned = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15'
    })
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>')
    expect(fake.requests.map((r) => [r.service, r.action, r.status])).toEqual([
      ['iam', 'ListAccessKeys', 200],
      ['iam', 'UpdateAccessKey', 200],
      ['sts', 'AssumeRoleWithMagic', 400],
      ['iam', 'GetUser', 403],
      ['sts', 'GetCallerIdentity', 403]
    ])
  })

  it('gives the SDK the request id and rejects addKey beyond the quota', async () => {
    const fake = await startFake()
    fake.addUser('deployer')
    const key = fake.addKey('deployer')
    fake.addKey('deployer')
    expect(() => fake.addKey('deployer')).toThrow(/2 access keys/)
    expect(() => fake.user('ghost')).toThrow(/unknown user/)
    expect(() => fake.addUser('deployer')).toThrow(/already exists/)
    const out = await sts(fake, creds(key)).send(new GetCallerIdentityCommand({}))
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)
    const err = await errorOf(iam(fake, creds(key)).send(new GetUserCommand({ UserName: 'x' })))
    expect(err.$metadata?.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })
})
