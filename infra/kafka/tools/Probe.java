/*
 * An independent producer and reader for the fault tests, on Kafka's own Java client from the
 * same jars as the brokers (run as a single source file: java -cp 'infra/kafka/lib/*' Probe.java …).
 *
 *   produce BOOTSTRAP TOPIC    reads "key<TAB>value" lines on stdin; sends each with acks=all and
 *                              idempotence; prints "acked PARTITION OFFSET LINE" per acknowledgement;
 *                              exits 1 if any send failed (after the client's own retries)
 *   read BOOTSTRAP TOPIC       reads every partition from its start to its end offset (no group:
 *                              assigned partitions), prints one JSON line per record:
 *                              {"p":…,"o":…,"k":"…","v":"<base64>","h":{"name":"<base64>"}}
 *   ends BOOTSTRAP TOPIC       prints "PARTITION START END" per partition
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class Probe {
  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1], topic = args[2];
    if (mode.equals("produce")) produce(bootstrap, topic);
    else if (mode.equals("read")) read(bootstrap, topic, false);
    else if (mode.equals("ends")) read(bootstrap, topic, true);
    else throw new IllegalArgumentException("mode: produce | read | ends");
  }

  static void produce(String bootstrap, String topic) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("delivery.timeout.ms", "180000");
    props.put("linger.ms", "5");
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    AtomicInteger failed = new AtomicInteger();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props);
         BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      int index = 0;
      while ((line = in.readLine()) != null) {
        int tab = line.indexOf('\t');
        final int n = index++;
        producer.send(new ProducerRecord<>(topic, line.substring(0, tab), line.substring(tab + 1)), (meta, error) -> {
          if (error != null) {
            failed.incrementAndGet();
            System.err.println("failed " + n + " " + error);
          } else {
            synchronized (System.out) { System.out.println("acked " + meta.partition() + " " + meta.offset() + " " + n); }
          }
        });
      }
      producer.flush();
    }
    System.out.flush();
    System.exit(failed.get() > 0 ? 1 : 0);
  }

  static void read(String bootstrap, String topic, boolean endsOnly) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("enable.auto.commit", "false");
    props.put("isolation.level", "read_uncommitted");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Base64.Encoder b64 = Base64.getEncoder();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(60))) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions, Duration.ofSeconds(60));
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
      if (endsOnly) {
        for (TopicPartition tp : partitions) System.out.println(tp.partition() + " " + start.get(tp) + " " + end.get(tp));
        return;
      }
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> left = new HashMap<>();
      for (TopicPartition tp : partitions) if (end.get(tp) > start.get(tp)) left.put(tp, end.get(tp));
      StringBuilder out = new StringBuilder();
      long deadline = System.currentTimeMillis() + 120_000;
      while (!left.isEmpty()) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("did not reach the end offsets within 120 s");
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          out.setLength(0);
          out.append("{\"p\":").append(r.partition()).append(",\"o\":").append(r.offset())
             .append(",\"k\":").append(r.key() == null ? "null" : "\"" + b64.encodeToString(r.key()) + "\"")
             .append(",\"v\":").append(r.value() == null ? "null" : "\"" + b64.encodeToString(r.value()) + "\"")
             .append(",\"h\":{");
          boolean first = true;
          for (Header h : r.headers()) {
            if (!first) out.append(',');
            first = false;
            out.append('"').append(h.key().replace("\"", "")).append("\":\"").append(h.value() == null ? "" : b64.encodeToString(h.value())).append('"');
          }
          out.append("}}");
          System.out.println(out);
          if (r.offset() + 1 >= left.getOrDefault(tp, Long.MAX_VALUE)) left.remove(tp);
        }
      }
    }
  }
}
