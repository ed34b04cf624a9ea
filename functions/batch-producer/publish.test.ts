import assert from "node:assert/strict";
import type { Producer, ProducerRecord } from "kafkajs";
import { TOPICS, type DailyBar } from "../../contract";
import type { KafkaClientSettings } from "../lib";
import { barMessage, chunk, kafkaBarPublisher, writtenEndOffsets } from "./publish";

const BAR: DailyBar = {
  symbol: "AAPL",
  trade_date: "2024-01-02",
  open: 190.8300018310547,
  high: 192.63999938964844,
  low: Math.fround(190.35), // Yahoo serves 32-bit floats
  close: 192.17999267578125,
  adj_close: 191.1178436279297,
  volume: 54556450,
  source: "yahoo",
};

const SETTINGS: KafkaClientSettings = { brokers: ["127.0.0.1:9092"], clientId: "test", ssl: false, acks: "all" };

function fakeProducer(): { producer: Producer; sent: ProducerRecord[] } {
  const sent: ProducerRecord[] = [];
  const producer = { send: (record: ProducerRecord) => (sent.push(record), Promise.resolve([])) } as unknown as Producer;
  return { producer, sent };
}

describe("batch-producer publish", () => {
  it("keys a bar by symbol and keeps Yahoo's numbers exactly, in schema field order", () => {
    assert.deepEqual(barMessage(BAR), {
      key: "AAPL",
      value:
        '{"symbol":"AAPL","trade_date":"2024-01-02","open":190.8300018310547,"high":192.63999938964844,"low":190.35000610351562,' +
        '"close":192.17999267578125,"adj_close":191.1178436279297,"volume":54556450,"source":"yahoo"}',
    });
  });

  it("gives the same bytes for the same bar whatever order its fields were set in", () => {
    const shuffled = Object.fromEntries(Object.entries(BAR).reverse()) as unknown as DailyBar;
    assert.deepEqual(barMessage(shuffled), barMessage(BAR));
  });

  it("sends bars to the batch topic in requests of batchSize, waiting for all in-sync replicas", async () => {
    const { producer, sent } = fakeProducer();
    const bars = Array.from({ length: 7 }, (_, i) => ({ ...BAR, trade_date: `2024-01-0${i + 1}` }));
    await kafkaBarPublisher(producer, SETTINGS, { batchSize: 3 }).publish(bars);
    assert.deepEqual(sent.map((r) => r.messages.length), [3, 3, 1]);
    assert.ok(sent.every((r) => r.topic === TOPICS.batch && r.acks === -1));
    assert.deepEqual(sent.flatMap((r) => r.messages), bars.map(barMessage));
  });

  it("remembers the highest base offset each partition acknowledged", async () => {
    const acks = [[{ topicName: TOPICS.batch, partition: 0, errorCode: 0, baseOffset: "10" }, { topicName: TOPICS.batch, partition: 2, errorCode: 0, baseOffset: "4" }], [{ topicName: TOPICS.batch, partition: 0, errorCode: 0, baseOffset: "12" }]];
    const producer = { send: () => Promise.resolve(acks.shift() ?? []) } as unknown as Producer;
    const publisher = kafkaBarPublisher(producer, SETTINGS, { batchSize: 1 });
    await publisher.publish([BAR, { ...BAR, trade_date: "2024-01-03" }]);
    assert.deepEqual([...publisher.touched], [[0, 12n], [2, 4n]]);
  });

  it("reports end offsets only for the partitions written, never below the acknowledged ones", () => {
    const touched = new Map([[2, 4n], [0, 12n]]);
    assert.deepEqual(writtenEndOffsets(touched, [{ partition: 0, high: "20" }, { partition: 1, high: "99" }, { partition: 2, high: "3" }]), { "0": "20", "2": "5" });
    assert.deepEqual(writtenEndOffsets(new Map([[0, 2n ** 62n]]), []), { "0": (2n ** 62n + 1n).toString() }, "64-bit offsets stay exact");
  });

  it("waits for the leader only when asked to", async () => {
    const { producer, sent } = fakeProducer();
    await kafkaBarPublisher(producer, { ...SETTINGS, acks: "leader" }).publish([BAR]);
    assert.equal(sent[0]!.acks, 1);
  });

  it("chunks a list, and refuses a size that is not a positive integer", () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 2), []);
    assert.throws(() => chunk([1], 0), /a chunk size must be a positive integer \(got 0\)/);
  });
});
