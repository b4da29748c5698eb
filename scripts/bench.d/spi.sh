# Sourced by scripts/bench: the SPI under load (issue 3).
# createInstance with distinct orderBizIds (every call creates an instance;
# each round has its own ids) and with repeats of one (every call is an
# idempotent no-op). The requests are signed ahead of time, like the
# marketplace signs them.
python3 - "$WORK" "$ROUNDS" <<'PY'
import hashlib, sys, urllib.parse
work, rounds = sys.argv[1], int(sys.argv[2])
def signed(params):
    base = "&".join(f"{k}={params[k]}" for k in sorted(params)) + "&key=sandbox-spi-key"
    params = dict(params, token=hashlib.md5(base.encode()).hexdigest())
    return "/api/aliyun/spi?" + urllib.parse.urlencode(params)
def create(order_biz_id):
    return signed({"action": "createInstance", "aliUid": "1234567890123456", "orderBizId": str(order_biz_id),
                   "orderId": "205060317920890", "productCode": "cmgj00053362",
                   "skuId": "cmgj00053362-postpay", "trial": "false"})
for r in range(1, rounds + 1):
    with open(f"{work}/spi_distinct_{r}.lua", "w") as f:
        f.write("paths = {\n")
        for n in range(60000):
            f.write(f'"{create(900000000 + r * 100000 + n)}",\n')
        f.write("}\ni = 0\nfunction request()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
with open(f"{work}/spi_repeat.txt", "w") as f:
    f.write(create(800000000))
PY
run "SPI createInstance, distinct orderBizId" "$CONNS" "$BASE" -s "$WORK/spi_distinct_{round}.lua"
run "SPI createInstance, repeats of one" "$CONNS" "$BASE$(cat "$WORK/spi_repeat.txt")"
