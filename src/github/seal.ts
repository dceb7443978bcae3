import sodium from 'libsodium-wrappers'

/** Seals a value for GitHub's secrets API: libsodium sealed box, standard base64 (GitHub docs). */
export async function sealSecret(value: string, base64PublicKey: string): Promise<string> {
  await sodium.ready
  const key = sodium.from_base64(base64PublicKey, sodium.base64_variants.ORIGINAL)
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key)
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL)
}
