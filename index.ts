/**
 * The vast-kit program: publishes a Vast template and launches `instanceCount` instances from it,
 * then exports what a user needs next.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./config.ts";
import { VastInstance, VastTemplate } from "./providers/vast/index.ts";

const config = readStackConfig();
const stack = pulumi.getStack();

const template = new VastTemplate("template", {
  name: config.templateName || `${pulumi.getProject()}-${stack}`,
  image: config.image,
  ports: ["1111", "8080", "8384"],
  runtype: "ssh",
  sshDirect: true,
  diskGb: config.diskGb,
  searchFilter: { gpu_name: { eq: config.gpuName }, num_gpus: { eq: config.numGpus } },
});

const instances = Array.from({ length: config.instanceCount }, (_, i) =>
  new VastInstance(`gpu-${i}`, {
    templateHashId: template.hashId,
    offer: {
      filter: { gpu_name: { eq: config.gpuName }, num_gpus: { eq: config.numGpus } },
      maxPricePerHour: config.maxPricePerHour,
      tries: config.offerTries,
    },
    diskGb: config.diskGb,
    label: `${config.instanceLabelPrefix || `${stack}-gpu`}-${i}`,
  }));

export const templateHashId = template.hashId;
export const instanceIds = instances.map((i) => i.instanceId);
export const instanceStatuses = instances.map((i) => i.status);
export const sshCommands = instances.map((i) => i.sshCommand);
