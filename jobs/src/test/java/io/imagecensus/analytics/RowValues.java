package io.imagecensus.analytics;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Collected rows as plain Java values (instants as ISO text, arrays as lists), sorted, for exact assertions. */
final class RowValues {
  private RowValues() {}

  static List<List<Object>> sorted(Dataset<Row> rows) {
    List<List<Object>> values = new ArrayList<>();
    for (Row row : rows.collectAsList()) {
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < row.length(); i++) {
        Object value = row.get(i);
        if (value instanceof Timestamp timestamp) {
          value = timestamp.toInstant().toString();
        } else if (value instanceof Seq<?> seq) {
          value = CollectionConverters.asJava(seq);
        }
        list.add(value);
      }
      values.add(list);
    }
    values.sort(Comparator.comparing(Object::toString));
    return values;
  }
}
