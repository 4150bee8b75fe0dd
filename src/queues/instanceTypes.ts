/**
 * The sizes of the EC2 instance types AWS Batch environments name most (vCPUs, memory in MiB,
 * GPUs), from the EC2 instance-type pages: what "can any instance type its environments allow
 * hold the job" is judged against (docs/queues.md). A family (`m5`) allows each of its sizes;
 * `optimal` is AWS Batch's C4, M4 and R4 families. A type not in this table is not judged: the
 * diagnosis says nothing it cannot show.
 */
export interface InstanceSize {
  type: string;
  vcpus: number;
  memoryMiB: number;
  gpus: number;
}

const GiB = 1024;
type Row = readonly [size: string, vcpus: number, memoryGiB: number, gpus?: number];

// prettier-ignore
const FAMILIES: Readonly<Record<string, readonly Row[]>> = {
  m4: [['large', 2, 8], ['xlarge', 4, 16], ['2xlarge', 8, 32], ['4xlarge', 16, 64], ['10xlarge', 40, 160], ['16xlarge', 64, 256]],
  c4: [['large', 2, 3.75], ['xlarge', 4, 7.5], ['2xlarge', 8, 15], ['4xlarge', 16, 30], ['8xlarge', 36, 60]],
  r4: [['large', 2, 15.25], ['xlarge', 4, 30.5], ['2xlarge', 8, 61], ['4xlarge', 16, 122], ['8xlarge', 32, 244], ['16xlarge', 64, 488]],
  m5: [['large', 2, 8], ['xlarge', 4, 16], ['2xlarge', 8, 32], ['4xlarge', 16, 64], ['8xlarge', 32, 128], ['12xlarge', 48, 192], ['16xlarge', 64, 256], ['24xlarge', 96, 384]],
  c5: [['large', 2, 4], ['xlarge', 4, 8], ['2xlarge', 8, 16], ['4xlarge', 16, 32], ['9xlarge', 36, 72], ['12xlarge', 48, 96], ['18xlarge', 72, 144], ['24xlarge', 96, 192]],
  r5: [['large', 2, 16], ['xlarge', 4, 32], ['2xlarge', 8, 64], ['4xlarge', 16, 128], ['8xlarge', 32, 256], ['12xlarge', 48, 384], ['16xlarge', 64, 512], ['24xlarge', 96, 768]],
  g4dn: [['xlarge', 4, 16, 1], ['2xlarge', 8, 32, 1], ['4xlarge', 16, 64, 1], ['8xlarge', 32, 128, 1], ['12xlarge', 48, 192, 4], ['16xlarge', 64, 256, 1], ['metal', 96, 384, 8]],
  g5: [['xlarge', 4, 16, 1], ['2xlarge', 8, 32, 1], ['4xlarge', 16, 64, 1], ['8xlarge', 32, 128, 1], ['12xlarge', 48, 192, 4], ['16xlarge', 64, 256, 1], ['24xlarge', 96, 384, 4], ['48xlarge', 192, 768, 8]],
};

/** AWS Batch's `optimal`: the C4, M4 and R4 families. */
const OPTIMAL = ['c4', 'm4', 'r4'];

/** Fargate's largest task: 16 vCPUs, 120 GiB, no GPU (AWS Batch on Fargate). */
export const FARGATE_LARGEST: InstanceSize = {
  type: 'Fargate (16 vCPU, 120 GiB)',
  vcpus: 16,
  memoryMiB: 120 * GiB,
  gpus: 0,
};

const sizesOf = (family: string): InstanceSize[] =>
  (FAMILIES[family] ?? []).map(([size, vcpus, memory, gpus]) => ({
    type: `${family}.${size}`,
    vcpus,
    memoryMiB: Math.round(memory * GiB),
    gpus: gpus ?? 0,
  }));

/**
 * The sizes `names` allow (an environment's `instanceTypes`): each family's sizes, each named
 * size; null when one of them is not in the table (then nothing is judged).
 */
export function sizesAllowed(names: readonly string[]): InstanceSize[] | null {
  const out: InstanceSize[] = [];
  for (const name of names) {
    if (name === 'optimal') out.push(...OPTIMAL.flatMap(sizesOf));
    else if (FAMILIES[name]) out.push(...sizesOf(name));
    else {
      const family = name.slice(0, name.indexOf('.'));
      const size = sizesOf(family).find((s) => s.type === name);
      if (!size) return null;
      out.push(size);
    }
  }
  return out;
}
