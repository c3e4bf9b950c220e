import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** `ssh-ed25519 AAAA… comment` */
  public: string;
}

/**
 * An ed25519 key pair that ssh2 can read back. ssh2's generator writes about 1 key in 200 that its
 * own parser rejects ("Malformed OpenSSH private key"), so each pair is parsed before use.
 */
export function generateSshKeyPair(comment: string): SshKeyPair {
  for (let attempt = 1; ; attempt += 1) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
    if (attempt >= 20) throw new Error('could not generate a readable ed25519 key pair');
  }
}
