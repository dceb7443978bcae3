/**
 * IAM is eventually consistent: a new key is rejected (InvalidClientTokenId) for a few seconds.
 * Instead of a blind sleep, poll with a short backoff and require consecutive successes.
 */
import { ActionError, explainAws } from '../errors.js'
import { AwsCallError, type Clock, type Credentials, type Iam, type Log } from './ports.js'

/** First pause between polls; grows by half each time up to the cap (overhead stays under 1 s). */
export const FIRST_POLL_MS = 200
export const MAX_POLL_MS = 500
/** Pause before the confirming call once the key was accepted. */
export const CONFIRM_POLL_MS = 100
/** Successes in a row that count as "propagated": one endpoint may know the key before another. */
export const REQUIRED_SUCCESSES = 2

export interface VerifyOptions {
  readonly iam: Iam
  readonly clock: Clock
  readonly log: Log
  readonly credentials: Credentials
  readonly expectedArn: string
  readonly timeoutMs: number
}

export interface Verified {
  readonly arn: string
  readonly attempts: number
  readonly elapsedMs: number
}

function isWaitable(error: unknown): error is AwsCallError {
  return (
    error instanceof AwsCallError && (error.kind === 'propagation' || error.kind === 'transient')
  )
}

export async function verifyNewKey(options: VerifyOptions): Promise<Verified> {
  const { iam, clock, log, credentials, expectedArn, timeoutMs } = options
  const started = clock.now().getTime()
  let pause = FIRST_POLL_MS
  let attempts = 0
  let successes = 0
  let lastError = ''
  for (;;) {
    attempts += 1
    try {
      const identity = await iam.identify(credentials)
      if (identity.arn !== expectedArn) {
        throw new ActionError(
          'verify',
          `The new key authenticates as ${identity.arn}, not as ${expectedArn}.`,
          'Check iam-user-name: the key was created for another principal than expected.'
        )
      }
      successes += 1
      if (successes >= REQUIRED_SUCCESSES) {
        const elapsedMs = clock.now().getTime() - started
        log.info(
          `The new key works: STS answered as ${identity.arn} (${attempts} calls, ${elapsedMs} ms).`
        )
        return { arn: identity.arn, attempts, elapsedMs }
      }
    } catch (error) {
      if (!isWaitable(error)) throw explainAws('verify', error, 'Verifying the new key with STS')
      successes = 0
      lastError = error.code
    }
    const elapsed = clock.now().getTime() - started
    if (elapsed + pause > timeoutMs) {
      throw new ActionError(
        'verify',
        `The new key was still not usable after ${Math.round(elapsed / 1000)} s (${attempts} calls to STS GetCallerIdentity, last answer ${lastError || 'success'}).`,
        'IAM may be slow to propagate keys: raise propagation-timeout-seconds and run again.'
      )
    }
    if (successes === 0 && lastError)
      log.info(`New key not usable yet (${lastError}); retrying in ${pause} ms.`)
    await clock.sleep(successes > 0 ? CONFIRM_POLL_MS : pause)
    if (successes === 0) pause = Math.min(Math.round(pause * 1.5), MAX_POLL_MS)
  }
}

/** Runs an IAM call signed with a fresh key, waiting out propagation (InvalidClientTokenId). */
export async function withPropagationRetry<T>(
  options: { readonly clock: Clock; readonly log: Log; readonly timeoutMs: number },
  call: string,
  fn: () => Promise<T>
): Promise<T> {
  const started = options.clock.now().getTime()
  let pause = FIRST_POLL_MS * 2
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      const elapsed = options.clock.now().getTime() - started
      if (!isWaitable(error) || elapsed + pause > options.timeoutMs) throw error
      options.log.info(`${call} not accepted yet (${error.code}); retrying in ${pause} ms.`)
      await options.clock.sleep(pause)
      pause = Math.min(pause * 2, MAX_POLL_MS * 4)
    }
  }
}
