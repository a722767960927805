# Question: Validate IBAN-style account numbers and format them for display.
class AccountTools:
    LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24}

    @staticmethod
    def compact(iban):
        return iban.replace(" ", "").upper()

    @staticmethod
    def checksum_ok(iban):
        rearranged = iban[4:] + iban[:4]
        digits = "".join(str(int(ch, 36)) for ch in rearranged)
        return int(digits) % 97 == 1

    @classmethod
    def validate(cls, iban):
        iban = cls.compact(iban)
        expected = cls.LENGTHS.get(iban[:2])
        if expected is None:
            return "unsupported country"
        if len(iban) != expected:
            return f"length {len(iban)} != {expected}"
        return "valid" if cls.checksum_ok(iban) else "bad checksum"

    @staticmethod
    def pretty(iban):
        iban = AccountTools.compact(iban)
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


for raw in ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "GB82WEST12345698765433", "NL91ABNA0417164300", "XX00123"]:
    print(f"{AccountTools.pretty(raw):<30} {AccountTools.validate(raw)}")
