//! Machine endpoints under `/api/`: authenticated by their own tokens, exempt
//! from CSRF, answering JSON.

pub mod aliyun_spi;
pub mod usage;
