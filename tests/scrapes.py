"""A /metrics answer, read as Prometheus reads it."""

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


@dataclass
class Scrape:
    text: str

    def samples(self, name: str) -> list[Sample]:
        """Every sample called `name` (e.g. `hubql_graphql_operations_total`)."""
        return [
            sample
            for family in text_string_to_metric_families(self.text)
            for sample in family.samples
            if sample.name == name
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly these labels; 0 when it is not there, as Prometheus
        treats a counter that never moved."""
        found = [s.value for s in self.samples(name) if s.labels == labels]
        assert len(found) <= 1, found
        return found[0] if found else 0.0

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples `name` whose labels include these."""
        return sum(s.value for s in self.samples(name) if labels.items() <= s.labels.items())

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples(name) if label in s.labels}
