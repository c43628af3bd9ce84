/**
 * Where ended builds' logs and scan reports go when the operator names an S3-compatible bucket
 * (AWS S3, MinIO, Ceph…): objects under a prefix, read back whole or by byte range. Credentials
 * come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web identity,
 * an instance role), never from this service's settings.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";

export interface S3Settings {
  bucket: string;
  /** Key prefix, ending in "/" (or empty). */
  prefix: string;
  /** An S3-compatible endpoint (MinIO…); path-style addressing is then used. */
  endpoint: string | undefined;
  region: string;
}

/** What the blob store needs from an archive (tests may give their own). */
export interface Archive {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes from `offset` (at most `max`) and its size; undefined if there is none. */
  read(key: string, offset: number, max: number): Promise<{ data: Buffer; size: number } | undefined>;
  /** Where an object is, for the service's own log (s3://bucket/key). */
  describe(key: string): string;
}

function missing(e: unknown): boolean {
  return e instanceof S3ServiceException && (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404);
}

export class S3Archive implements Archive {
  private readonly client: S3Client;

  constructor(private readonly s: S3Settings) {
    this.client = new S3Client({ region: s.region, ...(s.endpoint ? { endpoint: s.endpoint, forcePathStyle: true } : {}) });
  }

  describe(key: string): string {
    return `s3://${this.s.bucket}/${this.s.prefix}${key}`;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.s.bucket, Key: this.s.prefix + key, Body: body, ContentType: contentType }));
  }

  async read(key: string, offset: number, max: number): Promise<{ data: Buffer; size: number } | undefined> {
    const Key = this.s.prefix + key;
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key }));
      size = head.ContentLength ?? 0;
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
    const n = Math.max(0, Math.min(max, size - offset));
    if (n === 0) return { data: Buffer.alloc(0), size };
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key, Range: `bytes=${offset}-${offset + n - 1}` }));
    const bytes = await got.Body!.transformToByteArray();
    return { data: Buffer.from(bytes), size };
  }
}
