/** The Kafka side of the contract (schemas/asyncapi.json): the headers a dead letter carries, named once. */
export const DLQ_HEADER_NAMES = {
  errors: 'pdl-errors',
  sourceTopic: 'pdl-source-topic',
  sourcePartition: 'pdl-source-partition',
  sourceOffset: 'pdl-source-offset',
  rejectedAt: 'pdl-rejected-at',
} as const;
