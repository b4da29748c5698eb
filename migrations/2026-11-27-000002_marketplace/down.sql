DROP TABLE spi_verify_uses;
DROP TABLE spi_inbox;
DROP TABLE aliyun_instances;
