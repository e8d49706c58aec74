/* Inline validation of the entry page, as the officer types.
 *
 * Repeats the server's checks with the server's messages: reading a Vietnamese number
 * (phongtrao/vn/parse.py), the value's type and sign (data/validation.py check_value) and
 * "trong đó" not above its parent (check_breakdowns). The rules and messages come from the
 * page (#entry-rules, rendered from the Python code); the server stays the authority, and
 * the page saves without this script. No framework.
 */
(function () {
  "use strict";

  var DIGITS = "0123456789";
  var GROUP_SPACES = " \u00a0\u202f\u2009";
  var SIGNS = { "-": "-", "\u2212": "-", "+": "" };
  var EXAMPLE = "ví dụ 1.633 hoặc 4,2";
  var DOT_RULE =
    "Dấu chấm dùng để phân cách hàng nghìn; số thập phân dùng dấu phẩy, ví dụ 4,2. " +
    "Sau mỗi dấu chấm phải có đúng ba chữ số, ví dụ 1.633.000.";
  var G = "[" + GROUP_SPACES + "]";
  var DOT_GROUPED = /^[1-9][0-9]{0,2}(?:\.[0-9]{3})+$/;
  var SPACE_GROUPED = new RegExp("^[1-9][0-9]{0,2}(?:" + G + "[0-9]{3})+$");
  var ENGLISH_DECIMAL = /^[0-9]+\.[0-9]+$/;
  var ENGLISH_THOUSANDS = /^[1-9][0-9]{0,2}(?:,[0-9]{3})+$/;
  var SHORT_INTEGER = /^[1-9][0-9]{0,2}$/;

  /* A refused text; `ambiguous` marks the one case the server explains with numbers in
   * words (d,ddd): the script leaves that message to the server. */
  function ParseError(text, reason, ambiguous) {
    var shown = text.trim();
    var opening = shown ? "Không đọc được số “" + shown + "”." : "Chưa nhập số.";
    this.message = opening + " " + reason.charAt(0).toUpperCase() + reason.slice(1);
    this.ambiguous = !!ambiguous;
  }

  function isSpace(ch) {
    return /\s/.test(ch);
  }

  function has(chars, ch) {
    return chars.indexOf(ch) >= 0;
  }

  /* A decimal as {negative, integer, fraction} strings, without separators. */
  function parseBody(text, body) {
    if (!body) {
      throw new ParseError(text, "ô đang để trống; hãy nhập một số, " + EXAMPLE + ".");
    }
    var sign = "";
    if (Object.prototype.hasOwnProperty.call(SIGNS, body.charAt(0))) {
      sign = SIGNS[body.charAt(0)];
      body = body.slice(1);
      if (!body) {
        throw new ParseError(text, "chỉ có dấu, thiếu chữ số, " + EXAMPLE + ".");
      }
      if (has(GROUP_SPACES, body.charAt(0)) || isSpace(body.charAt(0))) {
        throw new ParseError(text, "dấu âm/dương phải viết liền với chữ số, ví dụ -5.");
      }
    }
    checkCharacters(text, body);
    if (body.split(",").length - 1 > 1) {
      var reason =
        "có nhiều dấu phẩy; dấu phẩy chỉ dùng một lần để ngăn phần thập phân, ví dụ 4,2.";
      if (ENGLISH_THOUSANDS.test(body)) {
        reason +=
          " Nếu đây là số có phân cách hàng nghìn, hãy dùng dấu chấm: " +
          sign + body.split(",").join(".") + ".";
      }
      throw new ParseError(text, reason);
    }
    var at = body.indexOf(",");
    var comma = at >= 0;
    var integer = comma ? body.slice(0, at) : body;
    var fraction = comma ? body.slice(at + 1) : "";
    if (comma) {
      if (fraction.indexOf(".") >= 0) {
        throw new ParseError(
          text,
          "dấu chấm đứng sau dấu phẩy. Cách viết Việt Nam dùng dấu chấm phân cách " +
            "hàng nghìn và dấu phẩy ngăn phần thập phân, ví dụ 1.633,25."
        );
      }
      for (var i = 0; i < fraction.length; i++) {
        if (has(GROUP_SPACES, fraction.charAt(i))) {
          throw new ParseError(
            text,
            "phần thập phân (sau dấu phẩy) không được có khoảng trắng, ví dụ 4,25."
          );
        }
      }
      if (!integer) {
        throw new ParseError(
          text,
          "thiếu phần nguyên trước dấu phẩy; hãy viết 0," + (fraction || "5") + "."
        );
      }
      if (!fraction) {
        throw new ParseError(text, "thiếu chữ số sau dấu phẩy, ví dụ 4,2.");
      }
    }
    var digits = integerDigits(text, integer, sign, comma);
    if (comma && fraction.length === 3 && SHORT_INTEGER.test(integer)) {
      throw new ParseError(text, "", true);
    }
    digits = digits.replace(/^0+(?=\d)/, "");
    var zero = /^0*$/.test(digits) && /^0*$/.test(fraction);
    return { negative: sign === "-" && !zero, integer: digits, fraction: fraction };
  }

  function checkCharacters(text, body) {
    for (var i = 0; i < body.length; i++) {
      var ch = body.charAt(i);
      if (has(DIGITS, ch) || ch === "." || ch === "," || has(GROUP_SPACES, ch)) continue;
      var reason;
      if (Object.prototype.hasOwnProperty.call(SIGNS, ch)) {
        reason = "dấu “" + ch + "” chỉ được đặt ở đầu số, ví dụ -5.";
      } else if (ch === "%") {
        reason = "dấu “%” chỉ được đặt ở cuối một tỷ lệ phần trăm, ví dụ 45%.";
      } else if (isSpace(ch)) {
        reason = "có khoảng trắng không hợp lệ; chỉ dùng một dấu cách giữa các nhóm ba chữ số.";
      } else {
        reason =
          "có ký tự “" + ch + "” không phải chữ số. Chỉ dùng chữ số 0-9, dấu chấm phân cách " +
          "hàng nghìn và dấu phẩy thập phân, " + EXAMPLE + ".";
      }
      throw new ParseError(text, reason);
    }
  }

  function integerDigits(text, integer, sign, hasComma) {
    var hasDot = integer.indexOf(".") >= 0;
    var hasSpace = false;
    for (var i = 0; i < integer.length; i++) {
      if (has(GROUP_SPACES, integer.charAt(i))) hasSpace = true;
    }
    if (hasDot && hasSpace) {
      throw new ParseError(
        text,
        "dùng lẫn dấu chấm và khoảng trắng để phân cách hàng nghìn; " +
          "hãy chỉ dùng dấu chấm, ví dụ 1.633.000."
      );
    }
    if (hasDot) {
      if (!DOT_GROUPED.test(integer)) {
        var reason = DOT_RULE;
        if (!hasComma && ENGLISH_DECIMAL.test(integer)) {
          reason +=
            " Nếu đây là số thập phân, hãy gõ " + sign + integer.replace(".", ",") + ".";
        }
        throw new ParseError(text, reason);
      }
      return integer.split(".").join("");
    }
    if (hasSpace) {
      if (!SPACE_GROUPED.test(integer)) {
        throw new ParseError(
          text,
          "khoảng trắng chỉ dùng để phân cách hàng nghìn: một dấu cách, mỗi nhóm sau " +
            "có đúng ba chữ số, ví dụ 1 633 000 (hoặc 1.633.000)."
        );
      }
      return integer.replace(/[^0-9]/g, "");
    }
    return integer;
  }

  function parseNumber(text) {
    var body = text.trim();
    if (body.slice(-1) === "%") {
      throw new ParseError(
        text,
        "ô này cần một số, không nhận dấu phần trăm “%”. " +
          "Hãy nhập số không kèm dấu %, ví dụ 45."
      );
    }
    return parseBody(text, body);
  }

  function parsePercent(text) {
    var body = text.trim();
    if (body.slice(-1) === "%") {
      body = body.slice(0, -1).replace(/\s+$/, "");
      if (!body) throw new ParseError(text, "chỉ có dấu “%”, thiếu con số, ví dụ 45%.");
    }
    if (body.indexOf("%") >= 0) {
      throw new ParseError(text, "dấu “%” chỉ được đặt một lần, ở cuối số, ví dụ 45%.");
    }
    return parseBody(text, body);
  }

  /* Compare two non-negative decimals given as {integer, fraction}. */
  function compare(a, b) {
    var ai = a.integer.replace(/^0+/, ""), bi = b.integer.replace(/^0+/, "");
    if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    var width = Math.max(a.fraction.length, b.fraction.length);
    var af = a.fraction + "0".repeat(width - a.fraction.length);
    var bf = b.fraction + "0".repeat(width - b.fraction.length);
    return af === bf ? 0 : af < bf ? -1 : 1;
  }

  /* As phongtrao.vn.format_number writes an exact value: 1.633 / 4,2. */
  function formatNumber(d) {
    var integer = d.integer.replace(/^0+(?=\d)/, "") || "0";
    var grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var fraction = d.fraction.replace(/0+$/, "");
    var text = fraction ? grouped + "," + fraction : grouped;
    return d.negative ? "-" + text : text;
  }

  /* check_value: the value against its type and sign. */
  function checkValue(rule, d, messages) {
    var integral = /^0*$/.test(d.fraction);
    if (rule.type === "integer" || rule.type === "money") {
      if (!integral) return rule.integer;
      if (d.negative) return messages.negative;
    }
    if (rule.type === "decimal" && d.negative) return messages.negative;
    if (rule.type === "percent") {
      if (d.negative || compare(d, { integer: "100", fraction: "" }) > 0) {
        return messages.percent;
      }
    }
    if (d.integer.replace(/^0+/, "").length > 19) return messages.tooLarge;
    return null;
  }

  /* The value of one field: {value} when readable and valid, {error} else, {} when empty. */
  function read(rule, text, messages) {
    if (!text.trim()) return {};
    var d;
    try {
      d = rule.type === "percent" ? parsePercent(text) : parseNumber(text);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      return e.ambiguous ? { unknown: true } : { error: e.message };
    }
    var message = checkValue(rule, d, messages);
    return message ? { error: message } : { value: d };
  }

  function init(form, rules) {
    var fields = {};
    Object.keys(rules.fields).forEach(function (pk) {
      var input = form.querySelector("#v_" + pk);
      if (!input) return;
      var original = form.querySelector('input[name="o_' + pk + '"]');
      fields[pk] = {
        pk: pk,
        rule: rules.fields[pk],
        input: input,
        original: original ? original.value : (input.textContent || "").trim(),
        message: document.getElementById("e_" + pk),
        // A conflict with another person's save stays shown until the officer saves again.
        conflict: (function () {
          var el = form.querySelector("#c_" + pk);
          return el ? el.textContent.trim() : "";
        })(),
      };
    });

    function text(field) {
      return field.input.tagName === "INPUT" ? field.input.value : field.original;
    }

    function show(field, messages) {
      var el = field.message;
      if (!el) return;
      var shown = messages.concat(field.conflict ? [field.conflict] : []).join(" ");
      el.textContent = shown;
      el.hidden = !shown;
      var row = field.input.closest(".row");
      if (row) row.classList.toggle("has-error", messages.length > 0);
      if (shown) {
        field.input.setAttribute("aria-invalid", "true");
        field.input.setAttribute("aria-describedby", el.id);
      } else {
        field.input.removeAttribute("aria-invalid");
      }
    }

    function validateAll() {
      var errors = {};
      var values = {};
      Object.keys(fields).forEach(function (pk) {
        var f = fields[pk];
        var result = read(f.rule, text(f), rules);
        errors[pk] = result.error ? [result.error] : [];
        if (result.value) values[pk] = result.value;
      });
      Object.keys(fields).forEach(function (pk) {
        var child = fields[pk];
        var parentPk = child.rule.parent;
        if (!parentPk || !fields[parentPk]) return;
        var value = values[pk], parentValue = values[parentPk];
        if (!value || !parentValue || compare(value, parentValue) <= 0) return;
        var parts = {
          child: child.rule.name,
          value: formatNumber(value),
          parent: fields[parentPk].rule.name,
          parent_value: formatNumber(parentValue),
        };
        var message = rules.breakdown.replace(/\{(\w+)\}/g, function (all, name) {
          return Object.prototype.hasOwnProperty.call(parts, name) ? parts[name] : all;
        });
        // As the server: beside the "trong đó" field when it changed, else beside its parent.
        var changed = text(child).trim() !== child.original.trim();
        errors[changed ? pk : parentPk].push(message);
      });
      var count = 0;
      Object.keys(fields).forEach(function (pk) {
        show(fields[pk], errors[pk]);
        count += errors[pk].length;
      });
      return count;
    }

    // Down the column as on paper: Enter goes to the next field (Shift+Enter back), as Tab
    // does, instead of sending the form half typed.
    var inputs = Array.prototype.slice.call(
      form.querySelectorAll('input[type="text"][name^="v_"]:not([readonly])')
    );
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      var at = inputs.indexOf(event.target);
      if (at < 0) return;
      event.preventDefault();
      var next = inputs[at + (event.shiftKey ? -1 : 1)];
      if (next) {
        next.focus();
        next.select();
      }
    });

    // "Đã có số liệu: n/m chỉ tiêu" in the bar that stays at the bottom of the screen.
    var filled = document.getElementById("da-nhap");
    function count() {
      if (!filled) return;
      var n = 0;
      inputs.forEach(function (input) {
        if (input.value.trim()) n += 1;
      });
      filled.textContent = "Đã có số liệu: " + n + "/" + inputs.length + " chỉ tiêu";
    }

    var timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        validateAll();
        count();
      }, 400);
    });
    form.addEventListener("change", validateAll);
    form.addEventListener("submit", function (event) {
      if (validateAll() === 0) return;
      event.preventDefault();
      var first = form.querySelector('[aria-invalid="true"]');
      if (first) first.focus();
    });
  }

  var rulesElement = document.getElementById("entry-rules");
  var form = document.querySelector("form.entry");
  if (rulesElement && form) {
    init(form, JSON.parse(rulesElement.textContent));
  }
  // For the tests: the same reading as the server's, on any text.
  window.phongtraoEntry = { read: read, formatNumber: formatNumber };
})();
