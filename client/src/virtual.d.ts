declare module "virtual:client-proto-descriptor" {
  const descriptor: import("protobufjs").INamespace;
  export default descriptor;
}
