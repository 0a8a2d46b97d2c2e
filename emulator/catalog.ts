/**
 * The seeded offer catalogue: a few hundred realistic offers (vast-api.md §3.1 "Offer fields")
 * over NVIDIA consumer, NVIDIA datacenter and AMD Instinct machines, plus one volume offer per
 * machine (§3.8). Generated from a fixed seed so every run, and every restart on a state file,
 * sees the same ids and prices; only the "rented" flags live in the database.
 */
import { type CatalogNetworkVolumeOffer, buildNetworkVolumeOffers, clusterIdOf } from "./network-volume-offers.ts";

/** An offer as stored in the catalogue; prices that depend on the query are added by `priceOffer`. */
export interface CatalogOffer {
  readonly [field: string]: string | number | boolean | null;
  id: number;
  machine_id: number;
  host_id: number;
  num_gpus: number;
  gpu_name: string;
  dph_base: number;
  min_bid: number;
  storage_cost: number;
  geolocation: string;
  direct_port_start: number;
  direct_port_end: number;
}

/** A volume offer: disk space on one machine (§3.8). */
export type CatalogVolumeOffer = Readonly<Record<string, string | number | boolean | null>> & {
  id: number;
  machine_id: number;
  storage_cost: number;
};

interface GpuModel {
  name: string;
  arch: "nvidia" | "amd";
  ramMb: number;
  computeCap: number;
  tflops: number;
  memBw: number;
  maxPower: number;
  /** Hourly price range of one GPU, in $/h. */
  price: [number, number];
  /** GPUs per machine to choose from. */
  counts: number[];
  datacenter: number;
  minCuda: number;
  weight: number;
}

// The tables keep one row per entry (prettier-ignore), so each model reads on one line.
// prettier-ignore
const MODELS: GpuModel[] = [
  { name: "RTX 3090", arch: "nvidia", ramMb: 24576, computeCap: 860, tflops: 35.6, memBw: 936, maxPower: 350, price: [0.16, 0.3], counts: [1, 2, 4, 8], datacenter: 0.1, minCuda: 12.2, weight: 12 },
  { name: "RTX 4090", arch: "nvidia", ramMb: 24564, computeCap: 890, tflops: 82.6, memBw: 1008, maxPower: 450, price: [0.29, 0.6], counts: [1, 2, 4, 8], datacenter: 0.2, minCuda: 12.2, weight: 16 },
  { name: "RTX 5090", arch: "nvidia", ramMb: 32607, computeCap: 1200, tflops: 104.8, memBw: 1792, maxPower: 575, price: [0.55, 0.95], counts: [1, 2, 4, 8], datacenter: 0.2, minCuda: 12.8, weight: 8 },
  { name: "RTX A4000", arch: "nvidia", ramMb: 16376, computeCap: 860, tflops: 19.2, memBw: 448, maxPower: 140, price: [0.09, 0.17], counts: [1, 2, 4, 8], datacenter: 0.3, minCuda: 12.2, weight: 5 },
  { name: "RTX A6000", arch: "nvidia", ramMb: 49140, computeCap: 860, tflops: 38.7, memBw: 768, maxPower: 300, price: [0.4, 0.7], counts: [1, 2, 4, 8], datacenter: 0.6, minCuda: 12.2, weight: 6 },
  { name: "L40S", arch: "nvidia", ramMb: 46068, computeCap: 890, tflops: 91.6, memBw: 864, maxPower: 350, price: [0.7, 1.05], counts: [2, 4, 8], datacenter: 0.9, minCuda: 12.4, weight: 5 },
  { name: "A100 PCIE", arch: "nvidia", ramMb: 40960, computeCap: 800, tflops: 19.5, memBw: 1555, maxPower: 250, price: [0.65, 1.1], counts: [1, 2, 4, 8], datacenter: 0.9, minCuda: 12.2, weight: 5 },
  { name: "A100 SXM4", arch: "nvidia", ramMb: 81920, computeCap: 800, tflops: 19.5, memBw: 2039, maxPower: 400, price: [0.9, 1.5], counts: [4, 8], datacenter: 1, minCuda: 12.2, weight: 5 },
  { name: "H100 PCIE", arch: "nvidia", ramMb: 81559, computeCap: 900, tflops: 51.2, memBw: 2039, maxPower: 350, price: [1.6, 2.2], counts: [1, 2, 4, 8], datacenter: 1, minCuda: 12.4, weight: 4 },
  { name: "H100 SXM", arch: "nvidia", ramMb: 81559, computeCap: 900, tflops: 66.9, memBw: 3352, maxPower: 700, price: [1.9, 2.8], counts: [8], datacenter: 1, minCuda: 12.4, weight: 5 },
  { name: "MI210", arch: "amd", ramMb: 65520, computeCap: 0, tflops: 22.6, memBw: 1638, maxPower: 300, price: [0.45, 0.8], counts: [1, 2, 4, 8], datacenter: 1, minCuda: 0, weight: 2 },
  { name: "MI250", arch: "amd", ramMb: 131072, computeCap: 0, tflops: 45.3, memBw: 3277, maxPower: 560, price: [0.8, 1.3], counts: [4, 8], datacenter: 1, minCuda: 0, weight: 2 },
  { name: "MI300X", arch: "amd", ramMb: 196608, computeCap: 0, tflops: 163.4, memBw: 5300, maxPower: 750, price: [1.8, 3.0], counts: [8], datacenter: 1, minCuda: 0, weight: 3 },
];

// prettier-ignore
const LOCATIONS = [
  "Texas, US", "California, US", "Virginia, US", "Oregon, US", "Georgia, US", "Quebec, CA", "Ontario, CA",
  "Nordrhein-Westfalen, DE", "Bayern, DE", "Noord-Holland, NL", "Île-de-France, FR", "Stockholm, SE",
  "England, GB", "Mazowieckie, PL", "Tokyo, JP", "Gyeonggi-do, KR", "New South Wales, AU", "São Paulo, BR", "Taiwan, TW",
];

/** CUDA version → the driver that ships it (what `nvidia-smi` reports on such hosts). */
// prettier-ignore
const NVIDIA_DRIVERS: Array<[number, string]> = [
  [12.2, "535.183.01"], [12.4, "550.127.05"], [12.6, "560.35.03"], [12.8, "570.133.07"], [13.0, "580.65.06"],
];
const AMD_DRIVERS = ["6.8.5", "6.10.5", "6.12.12"];
// prettier-ignore
const CPUS: Array<[string, number, number]> = [
  ["AMD EPYC 7543 32-Core Processor", 64, 2.8], ["AMD EPYC 9654 96-Core Processor", 192, 2.4],
  ["Intel Xeon Platinum 8480+", 112, 2.0], ["AMD Ryzen 9 7950X 16-Core Processor", 32, 4.5],
  ["Intel Core i9-13900K", 32, 3.0], ["AMD EPYC 7B13 64-Core Processor", 128, 2.45],
];
const DISKS = ["Samsung SSD 990 PRO 2TB", "INTEL SSDPF2KX038TZ", "Micron_7450_MTFDKCC3T8TFR", "WD_BLACK SN850X 4000GB"];
const MOBOS = ["ROMED8-2T", "H12DSG-O-CPU", "PRO WS WRX80E-SAGE SE WIFI", "X13DEG-OAD", "ProArt X670E-CREATOR WIFI"];

const MACHINE_COUNT = 400;
const FIRST_OFFER_ID = 24_010_001;
const FIRST_VOLUME_OFFER_ID = 31_000_001;
const FIRST_MACHINE_ID = 18_201;

/** mulberry32: a tiny seeded PRNG, so the catalogue is identical on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The generated catalogue: offers, volume offers and network-volume offers, each sorted by id. */
export interface Catalog {
  offers: CatalogOffer[];
  volumeOffers: CatalogVolumeOffer[];
  byId: Map<number, CatalogOffer>;
  volumeById: Map<number, CatalogVolumeOffer>;
  /** One per cluster (network-volume-offers.ts). */
  networkVolumeOffers: CatalogNetworkVolumeOffer[];
  networkVolumeById: Map<number, CatalogNetworkVolumeOffer>;
  gpuNames: string[];
}

/** Builds the catalogue from `seed` (the default seed is what every emulator uses). */
export function buildCatalog(seed = 20261127): Catalog {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (low: number, high: number): number => low + random() * (high - low);
  const totalWeight = MODELS.reduce((sum, model) => sum + model.weight, 0);
  const pickModel = (): GpuModel => {
    let ticket = random() * totalWeight;
    for (const model of MODELS) {
      ticket -= model.weight;
      if (ticket <= 0) return model;
    }
    return MODELS[0] as GpuModel;
  };

  const offers: CatalogOffer[] = [];
  const volumeOffers: CatalogVolumeOffer[] = [];
  let nextOfferId = FIRST_OFFER_ID;
  for (let m = 0; m < MACHINE_COUNT; m++) {
    // Every model appears at least once, then the weights decide.
    const model = m < MODELS.length ? (MODELS[m] as GpuModel) : pickModel();
    const gpus = pick(model.counts);
    const machineId = FIRST_MACHINE_ID + m * 3;
    const hostId = 70_000 + Math.floor(m / 3) * 17;
    const isDatacenter = random() < model.datacenter;
    const [cpuName, cpuCores, cpuGhz] = pick(CPUS);
    const cpuRamMb = Math.round((gpus * between(32, 128)) / 16) * 16_000;
    const diskGb = Math.round(between(400, 4000) * (isDatacenter ? 2 : 1));
    const geolocation = pick(LOCATIONS);
    const drivers = NVIDIA_DRIVERS.filter(([cuda]) => cuda >= model.minCuda);
    const [cuda, driver] = model.arch === "amd" ? [0, pick(AMD_DRIVERS)] : pick(drivers);
    const reliability = round(isDatacenter ? between(0.985, 0.9995) : between(0.9, 0.999), 4);
    const verification = random() < (isDatacenter ? 0.95 : 0.8) ? "verified" : "unverified";
    const gpuPrice = between(model.price[0], model.price[1]);
    const storageCost = round(between(0.08, 0.3), 3);
    // Each machine's direct ports lie in 20000–65199: real port numbers, whatever the machine count.
    const portStart = 20_000 + ((m * 200) % 45_200);
    const portCount = Math.round(between(20, 199));
    const inetDown = Math.round(between(200, isDatacenter ? 10_000 : 2_000));
    const machine = {
      machine_id: machineId,
      host_id: hostId,
      gpu_arch: model.arch,
      gpu_ram: model.ramMb,
      gpu_mem_bw: model.memBw,
      gpu_max_power: model.maxPower,
      gpu_max_temp: 83,
      gpu_display_active: false,
      gpu_lanes: 16,
      compute_cap: model.computeCap,
      cuda_max_good: cuda,
      driver_version: driver,
      cpu_name: cpuName,
      cpu_arch: "amd64",
      cpu_ghz: cpuGhz,
      has_avx: 1,
      mobo_name: pick(MOBOS),
      pci_gen: model.name.startsWith("H100") || model.name === "RTX 5090" ? 5 : 4,
      pcie_bw: round(between(11, 26), 1),
      bw_nvlink: model.name.includes("SXM") ? 450 : 0,
      disk_name: pick(DISKS),
      disk_bw: Math.round(between(1500, 7000)),
      inet_up: Math.round(inetDown * between(0.4, 1)),
      inet_down: inetDown,
      inet_up_cost: round(between(0, 0.02), 4),
      inet_down_cost: round(between(0, 0.02), 4),
      direct_port_count: portCount,
      direct_port_start: portStart,
      direct_port_end: portStart + portCount - 1,
      static_ip: isDatacenter,
      geolocation,
      datacenter: isDatacenter,
      hosting_type: isDatacenter ? 1 : 0,
      verification,
      verified: verification === "verified",
      reliability,
      reliability2: reliability,
      os_version: "22.04",
      ubuntu_version: "22.04",
      vms_enabled: random() < 0.3,
      external: false,
      rentable: true,
      rented: false,
      // Datacenter machines belong to physical clusters, whose network volumes they can mount (vast-api-more.md §2.2).
      cluster_id: isDatacenter ? clusterIdOf(m) : null,
      duration: Math.round(between(7, 180)) * 86_400,
      credit_discount_max: 0.4,
    };

    const volumeOfferId = FIRST_VOLUME_OFFER_ID + m;
    for (let slice = 1; slice <= gpus; slice *= 2) {
      const dphBase = round(gpuPrice * slice, 4);
      const totalFlops = round(model.tflops * slice, 1);
      const dlperf = round(model.tflops * slice * between(0.85, 1.05), 2);
      offers.push({
        id: nextOfferId,
        ask_contract_id: nextOfferId,
        bundle_id: nextOfferId + 500_000,
        ...machine,
        num_gpus: slice,
        gpu_name: model.name,
        gpu_frac: round(slice / gpus, 4),
        gpu_total_ram: model.ramMb * slice,
        cpu_cores: cpuCores,
        cpu_cores_effective: round((cpuCores * slice) / gpus, 1),
        cpu_ram: (cpuRamMb * slice) / gpus,
        disk_space: Math.round((diskGb * slice) / gpus),
        dph_base: dphBase,
        min_bid: round(dphBase * between(0.35, 0.6), 4),
        storage_cost: storageCost,
        total_flops: totalFlops,
        dlperf,
        avail_vol_ask_id: volumeOfferId,
        avail_vol_size: Math.round(diskGb / 2),
        avail_vol_dph: round((storageCost * 100) / 730, 5),
        is_bid: false,
      });
      nextOfferId++;
    }
    volumeOffers.push({
      id: volumeOfferId,
      ask_contract_id: volumeOfferId,
      machine_id: machineId,
      host_id: hostId,
      disk_space: Math.round(diskGb / 2),
      storage_cost: storageCost,
      disk_bw: machine.disk_bw,
      disk_name: machine.disk_name,
      geolocation,
      reliability,
      reliability2: reliability,
      verification,
      verified: machine.verified,
      external: false,
      rentable: true,
      inet_up: machine.inet_up,
      inet_down: machine.inet_down,
      driver_version: driver,
      cuda_max_good: cuda,
      duration: machine.duration,
      cluster_id: null,
      score: round(reliability * 100, 2),
    });
  }
  const networkVolumeOffers = buildNetworkVolumeOffers(offers);
  return {
    offers,
    volumeOffers,
    byId: new Map(offers.map((offer) => [offer.id, offer])),
    volumeById: new Map(volumeOffers.map((offer) => [offer.id, offer])),
    networkVolumeOffers,
    networkVolumeById: new Map(networkVolumeOffers.map((offer) => [offer.id, offer])),
    gpuNames: [...new Set(offers.map((offer) => offer.gpu_name))].sort(),
  };
}
