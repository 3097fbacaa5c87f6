// JWT tickets: tokens minted by jose (an independent JOSE implementation) are judged by coal's
// Jwt validator with mosaik's rules, tokens coal issues verify under jose, every refusal has its
// reason code, and the signature is mosaik's derivation.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { importJWK, jwtVerify, SignJWT, type JWK } from "jose";
import { derive, id, jwt as jwtSignature, toHex, u64le } from "@coal/runtime/identity";
import { generatePeerKey, issueJwt, jwt, jwtClass, jwtVerifyingKey, Network, type JwtSigningKey, type Ticket } from "@coal/runtime/net";

const now = Date.UTC(2026, 10, 23, 12);
const seconds = now / 1000;
const peer = generatePeerKey().id;

function signingKey(alg: JwtSigningKey["alg"]): JwtSigningKey {
  const { privateKey } = alg === "EdDSA" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: { ES256: "P-256", ES384: "P-384", ES512: "P-521" }[alg] });
  return { alg, privateKey };
}

/** A token signed by jose, as any other JOSE stack would mint it. */
async function joseToken(key: JwtSigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<Ticket> {
  const jwk = key.privateKey.export({ format: "jwk" }) as JWK;
  const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: "JWT", ...header }).sign(await importJWK(jwk, key.alg));
  return { class: jwtClass, data: Buffer.from(token) };
}

const judge = (validator: ReturnType<typeof jwt>, tickets: Ticket[], who = peer, at = now) => validator.validate({ id: who, tags: new Set(), tickets }, at);

describe("Jwt tickets", () => {
  for (const alg of ["EdDSA", "ES256", "ES384", "ES512"] as const) {
    it(`admits a ${alg} token minted by jose until its expiry, and coal's own tokens verify under jose`, async () => {
      const key = signingKey(alg);
      const validator = jwt({ signature: "", keys: [{ alg, key: jwtVerifyingKey(key) }], issuers: ["ops"] });
      const ticket = await joseToken(key, { iss: "ops", sub: peer, exp: seconds + 60, iat: seconds });
      expect(judge(validator, [ticket])).toEqual({ ok: true, expiresAt: (seconds + 60) * 1000 });

      const ours = issueJwt(key, peer, { issuer: "ops", expiresAt: now + 60_000 }, now);
      expect(judge(validator, [ours]).ok).toBe(true);
      const verified = await jwtVerify(Buffer.from(ours.data).toString(), createPublicKey(key.privateKey), { currentDate: new Date(now), issuer: "ops", subject: peer });
      expect(verified.payload.exp).toBe(seconds + 60);
    });
  }

  it("refuses each failing token with its own reason code", async () => {
    const key = signingKey("EdDSA");
    const other = signingKey("EdDSA");
    const validator = jwt({ signature: "", keys: [{ alg: "EdDSA", key: jwtVerifyingKey(key) }], issuers: ["ops"], audiences: ["forecasts"], maxLifetimeMs: 3_600_000, maxAgeMs: 600_000, claims: { tier: "gold" } });
    const good = { iss: "ops", sub: peer, aud: "forecasts", exp: seconds + 60, iat: seconds, tier: "gold" };
    const code = async (claims: Record<string, unknown>, signer = key, header: Record<string, unknown> = {}) => {
      const result = judge(validator, [await joseToken(signer, claims, header)]);
      return result.ok ? "admitted" : result.rejection.code;
    };
    expect(await code(good)).toBe("admitted");
    expect(await code(good, other)).toBe("jwt-bad-signature");
    expect(await code({ ...good, iss: "someone" })).toBe("jwt-issuer");
    expect(await code({ ...good, sub: generatePeerKey().id })).toBe("jwt-subject");
    expect(await code({ ...good, nbf: seconds + 5 })).toBe("jwt-not-yet-valid");
    expect(await code({ ...good, exp: undefined })).toBe("jwt-no-expiry");
    expect(await code({ ...good, exp: seconds })).toBe("ticket-expired");
    expect(await code({ ...good, exp: seconds + 7200 })).toBe("jwt-lifetime");
    expect(await code({ ...good, iat: undefined })).toBe("jwt-too-old");
    expect(await code({ ...good, iat: seconds - 601 })).toBe("jwt-too-old");
    expect(await code({ ...good, aud: "elsewhere" })).toBe("jwt-audience");
    expect(await code({ ...good, tier: "silver" })).toBe("jwt-claim");
    expect(judge(validator, [])).toMatchObject({ ok: false, rejection: { code: "ticket-missing" } });
    expect(judge(validator, [{ class: jwtClass, data: Buffer.from("not.a.token") }])).toMatchObject({ ok: false, rejection: { code: "jwt-malformed" } });
    expect(judge(validator, [{ class: jwtClass, data: Uint8Array.of(0xff, 0xfe) }])).toMatchObject({ ok: false, rejection: { code: "jwt-malformed" } });
    // An ES256 token against an EdDSA-only validator: no key for the algorithm.
    expect(await code(good, signingKey("ES256"))).toBe("jwt-algorithm");
  });

  it("admits a non-expiring token only when allowed, and accepts any of several keys (rotation)", async () => {
    const [old, fresh] = [signingKey("EdDSA"), signingKey("ES256")];
    const keys = [{ alg: "EdDSA" as const, key: jwtVerifyingKey(old) }, { alg: "ES256" as const, key: jwtVerifyingKey(fresh) }];
    const strict = jwt({ signature: "", keys });
    const lenient = jwt({ signature: "", keys, allowNonExpiring: true });
    const forever = issueJwt(old, peer, {}, now);
    expect(judge(strict, [forever]).ok).toBe(false);
    expect(judge(lenient, [forever])).toEqual({ ok: true });
    expect(judge(lenient, [issueJwt(fresh, peer, { expiresAt: now + 1000 }, now)]).ok).toBe(true);
  });

  it("refuses every peer, with a reason, when a verifying key is not a point on its curve", () => {
    const validator = jwt({ signature: "", keys: [{ alg: "ES256", key: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)) }] });
    expect(judge(validator, [])).toMatchObject({ ok: false, rejection: { code: "jwt-bad-key" } });
  });

  it("signs as mosaik's Jwt::signature does", () => {
    const key = new Uint8Array(32).fill(1);
    const expected = [
      (s: Uint8Array) => derive(s, "EdDSA"),
      (s: Uint8Array) => derive(s, derive(id("EdDsa"), key)),
      (s: Uint8Array) => derive(s, Uint8Array.of(0)),
      (s: Uint8Array) => derive(s, "a,b"),
      (s: Uint8Array) => derive(s, ""),
      (s: Uint8Array) => derive(s, "sub"),
      (s: Uint8Array) => derive(s, u64le(3600n)),
      (s: Uint8Array) => derive(s, u64le(0n)),
      (s: Uint8Array) => derive(s, "tier"),
      (s: Uint8Array) => derive(s, '"gold"'),
    ].reduce((s, step) => step(s), id("mosaik.tickets.jwt.v1"));
    const signature = jwtSignature({ keys: [{ alg: "EdDSA", key }], issuers: ["a", "b"], subject: "sub", maxLifetimeMs: 3_600_000n, claims: { tier: "gold" } });
    expect(toHex(signature.digest)).toBe(toHex(expected));
  });

  it("gates a stream on the memory network: a peer without a token is refused, with one admitted", async () => {
    const key = signingKey("EdDSA");
    const net = Network.memory();
    const [producer, consumer] = [net.join(), net.join()];
    const streamId = toHex(id("jwt.test.stream"));
    producer.produce(streamId, { validators: jwt({ signature: "", keys: [{ alg: "EdDSA", key: jwtVerifyingKey(key) }] }) });
    const refused = consumer.consume(streamId);
    await new Promise((r) => setTimeout(r, 20));
    expect(refused.stats().refusals.map((r) => r.rejection.code)).toContain("ticket-missing");
    consumer.setTickets([issueJwt(key, consumer.id, { expiresAt: Date.now() + 60_000 })]);
    for (let i = 0; i < 100 && refused.stats().producers === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(refused.stats().producers).toBe(1);
  });
});


describe("Jwt from a manifest", () => {
  it("builds the validator into the bindings, with the manifest's signature, and gates the stream", async () => {
    const { mkdirSync, rmSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { repoRoot } = await import("../support/files.js");
    const { coalc } = await import("../support/cli.js");
    const key = signingKey("EdDSA");
    const source = `import { Jwt } from "std/validators"
record Reading { value: u32 }
organism sensor {
  instance: "jwt.sensor"
  stream readings: Reading
  admission: Jwt(key: 0x${toHex(jwtVerifyingKey(key))}, issuer: "ops", max_lifetime: 1h)
}
`;
    const run = await coalc(["build", "ws/sensor.coal"], { files: { "ws/package.json": "{}", "ws/sensor.coal": source } });
    expect(run.code, run.stderr).toBe(0);
    const scratch = join(repoRoot, ".tmp", `jwt-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    try {
      const file = join(scratch, "sensor.ts");
      writeFileSync(file, run.host.readFile("ws/coal-out/sensor.ts"));
      const b = await import(file);
      const net = Network.memory();
      const [host, holder, stranger] = [net.join(), net.join(), net.join()];
      const validators = b.sensor.admission(host);
      expect(validators.signature).toBe(b.ids.citizens.sensor.admissionSignature);
      const producer = b.sensor.readings.producer(host, { validators });
      holder.setTickets([issueJwt(key, holder.id, { issuer: "ops", expiresAt: Date.now() + 600_000 })]);
      const admitted = b.sensor.readings.subscribe(holder);
      const refused = b.sensor.readings.subscribe(stranger);
      expect(refused.stats().refusals.map((r: { rejection: { code: string } }) => r.rejection.code)).toEqual(["ticket-missing"]);
      await producer.send({ value: 7 });
      for await (const reading of admitted) {
        expect(reading).toEqual({ value: 7 });
        break;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
