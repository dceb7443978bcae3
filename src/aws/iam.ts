/** Thin adapter from the rotation's Iam port to the AWS SDK (IAM + STS). */
import * as core from '@actions/core'
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  type IAMClientConfig
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { AuditIam } from '../audit/ports.js'
import {
  AwsCallError,
  type AccessKey,
  type AwsFailureKind,
  type CallerIdentity,
  type Credentials,
  type Iam,
  type IamUser
} from '../rotation/ports.js'

export interface AwsOptions {
  readonly region: string
  readonly userAgent: string
  /** Bounded everywhere: a hung endpoint must not hold the job (and the old key) for hours. */
  readonly requestTimeoutMs: number
}

const PROPAGATION = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId'
])
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'])
const LIMIT = new Set(['LimitExceeded', 'LimitExceededException'])
const NOT_FOUND = new Set(['NoSuchEntity', 'NoSuchEntityException'])
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException'
])

interface SdkError {
  name?: string
  message?: string
  code?: string
  $metadata?: { httpStatusCode?: number }
}

/** Keeps only the code and AWS's message: SDK errors also carry the request, with its signature. */
export function toAwsCallError(call: string, error: unknown): AwsCallError {
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkError
  const code = sdk.name && sdk.name !== 'Error' ? sdk.name : (sdk.code ?? 'UnknownError')
  const status = sdk.$metadata?.httpStatusCode
  let kind: AwsFailureKind = 'other'
  if (PROPAGATION.has(code)) kind = 'propagation'
  else if (DENIED.has(code)) kind = 'denied'
  else if (LIMIT.has(code)) kind = 'limit'
  else if (NOT_FOUND.has(code)) kind = 'not-found'
  else if (THROTTLING.has(code) || status === undefined || status >= 500) kind = 'transient'
  const message = (sdk.message ?? String(error)).slice(0, 500)
  return new AwsCallError(call, kind, code, message)
}

async function call<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw error instanceof AwsCallError ? error : toAwsCallError(name, error)
  }
}

/** The settings IAM and STS clients share (a plain object both client configs accept). */
function clientConfig(options: AwsOptions, credentials?: Credentials, maxAttempts = 3) {
  return {
    region: options.region,
    customUserAgent: options.userAgent,
    maxAttempts,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs,
      // Without it the SDK only warns when the timeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(options.requestTimeoutMs, 5_000)
    },
    ...(credentials ? { credentials } : {})
  } satisfies IAMClientConfig
}

export function createIam(options: AwsOptions, credentials?: Credentials): Iam {
  const iam = new IAMClient(clientConfig(options, credentials))
  // The SDK counts LimitExceeded as throttling and would retry a create that can never succeed;
  // a create is also not idempotent, so it gets exactly one attempt.
  const iamOnce = new IAMClient(clientConfig(options, credentials, 1))
  const sts = new STSClient(clientConfig(options, credentials))

  return {
    caller: () =>
      call('sts:GetCallerIdentity', async () => {
        const out = await sts.send(new GetCallerIdentityCommand({}))
        return { arn: out.Arn ?? '', account: out.Account ?? '' }
      }),

    callerCredentials: () =>
      call('credentials', async () => {
        const resolved = await iam.config.credentials()
        return {
          accessKeyId: resolved.accessKeyId,
          secretAccessKey: resolved.secretAccessKey,
          ...(resolved.sessionToken ? { sessionToken: resolved.sessionToken } : {})
        }
      }),

    getUser: (name) =>
      call('iam:GetUser', async (): Promise<IamUser> => {
        const out = await iam.send(new GetUserCommand({ UserName: name }))
        return { name: out.User?.UserName ?? name, arn: out.User?.Arn ?? '' }
      }),

    listKeys: (userName) =>
      call('iam:ListAccessKeys', async () => {
        const keys: AccessKey[] = []
        let marker: string | undefined
        do {
          const page = await iam.send(
            new ListAccessKeysCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) })
          )
          for (const meta of page.AccessKeyMetadata ?? []) {
            if (!meta.AccessKeyId) continue
            const used = await call('iam:GetAccessKeyLastUsed', () =>
              iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: meta.AccessKeyId }))
            )
            const last = used.AccessKeyLastUsed
            keys.push({
              id: meta.AccessKeyId,
              status: meta.Status ?? 'Unknown',
              createdAt: meta.CreateDate ?? new Date(0),
              lastUsed: {
                ...(last?.LastUsedDate ? { date: last.LastUsedDate } : {}),
                ...(last?.ServiceName ? { service: last.ServiceName } : {}),
                ...(last?.Region ? { region: last.Region } : {})
              }
            })
          }
          marker = page.IsTruncated ? page.Marker : undefined
        } while (marker)
        return keys
      }),

    createKey: (userName) =>
      call('iam:CreateAccessKey', async () => {
        const out = await iamOnce.send(new CreateAccessKeyCommand({ UserName: userName }))
        const key = out.AccessKey
        // Masked before anything else can print them.
        if (key?.SecretAccessKey) core.setSecret(key.SecretAccessKey)
        if (key?.AccessKeyId) core.setSecret(key.AccessKeyId)
        if (!key?.AccessKeyId || !key.SecretAccessKey) {
          throw new Error('CreateAccessKey answered without a key')
        }
        return {
          id: key.AccessKeyId,
          secret: key.SecretAccessKey,
          createdAt: key.CreateDate ?? new Date()
        }
      }),

    setKeyStatus: (userName, keyId, status) =>
      call('iam:UpdateAccessKey', async () => {
        await iam.send(
          new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: keyId, Status: status })
        )
      }),

    deleteKey: (userName, keyId) =>
      call('iam:DeleteAccessKey', async () => {
        await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: keyId }))
      }),

    describeKey: (userName, keyId, description) =>
      call('iam:TagUser', async () => {
        await iam.send(
          new TagUserCommand({ UserName: userName, Tags: [{ Key: keyId, Value: description }] })
        )
      }),

    keyDescriptions: (userName) =>
      call('iam:ListUserTags', async () => {
        const tags = new Map<string, string>()
        let marker: string | undefined
        do {
          const page = await iam.send(
            new ListUserTagsCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) })
          )
          for (const tag of page.Tags ?? []) if (tag.Key) tags.set(tag.Key, tag.Value ?? '')
          marker = page.IsTruncated ? page.Marker : undefined
        } while (marker)
        return tags
      }),

    removeKeyDescription: (userName, keyId) =>
      call('iam:UntagUser', async () => {
        await iam.send(new UntagUserCommand({ UserName: userName, TagKeys: [keyId] }))
      }),

    identify: (other) =>
      call('sts:GetCallerIdentity', async (): Promise<CallerIdentity> => {
        const client = new STSClient(clientConfig(options, other, 1))
        try {
          const out = await client.send(new GetCallerIdentityCommand({}))
          return { arn: out.Arn ?? '', account: out.Account ?? '' }
        } finally {
          client.destroy()
        }
      }),

    withCredentials: (other) => createIam(options, other)
  }
}

/** The read-only IAM calls of mode: audit; the clients it builds are never used to write. */
export function createAuditIam(options: AwsOptions): AuditIam {
  const { caller, getUser, listKeys } = createIam(options)
  const iam = new IAMClient(clientConfig(options))
  return {
    caller,
    getUser,
    listKeys,

    keyOwner: (accessKeyId) =>
      call('iam:GetAccessKeyLastUsed', async () => {
        try {
          const out = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))
          return out.UserName
        } catch (error) {
          const failure = toAwsCallError('iam:GetAccessKeyLastUsed', error)
          if (failure.kind === 'not-found') return undefined
          throw failure
        }
      }),

    generateCredentialReport: () =>
      call('iam:GenerateCredentialReport', async () => {
        const out = await iam.send(new GenerateCredentialReportCommand({}))
        return out.State ?? 'UNKNOWN'
      }),

    getCredentialReport: () =>
      call('iam:GetCredentialReport', async () => {
        const out = await iam.send(new GetCredentialReportCommand({}))
        // The SDK has already decoded the base64 Content into bytes.
        return {
          csv: Buffer.from(out.Content ?? new Uint8Array()).toString('utf8'),
          generatedAt: out.GeneratedTime ?? new Date(0)
        }
      })
  }
}
