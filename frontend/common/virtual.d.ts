declare module "virtual:proto-descriptor" {
  const descriptor: import("protobufjs").INamespace;
  export default descriptor;
}
