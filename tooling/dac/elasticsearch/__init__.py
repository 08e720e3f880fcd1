"""A small Elasticsearch client and the request builders the test backends use."""

from dac.elasticsearch.client import ElasticsearchClient
from dac.elasticsearch.config import ElasticsearchConfig, config_from_env

__all__ = ["ElasticsearchClient", "ElasticsearchConfig", "config_from_env"]
